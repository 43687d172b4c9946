//! What the generated subcommands read: request bodies from `--json FILE`
//! (or `-` for standard input), and lists as `--id a,b,c`.

use std::io::Read;
use std::path::Path;

/// The text of `path`, or of standard input for `-`.
pub fn read_body(path: &Path) -> std::io::Result<String> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        Ok(text)
    } else {
        std::fs::read_to_string(path)
    }
}

/// A list parameter, given as one comma-separated value (as IX-API sends
/// it: `id=a,b,c`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List(pub Vec<String>);

impl std::str::FromStr for List {
    type Err = std::convert::Infallible;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Self(
            text.split(',')
                .map(str::trim)
                .filter(|item| !item.is_empty())
                .map(String::from)
                .collect(),
        ))
    }
}

impl From<List> for Vec<String> {
    fn from(list: List) -> Self {
        list.0
    }
}

/// The most a raw body (a letter of authorisation) may be.
pub const MAX_RAW_BODY: u64 = 10 << 20;

/// The raw body of `--file FILE`, or standard input for `--file -`.
pub fn read_bytes(matches: &clap::ArgMatches) -> anyhow::Result<Vec<u8>> {
    let path = matches
        .get_one::<std::path::PathBuf>("file")
        .ok_or_else(|| {
            anyhow::anyhow!("which file? Give --file FILE, or --file - for standard input")
        })?;
    let mut bytes = Vec::new();
    let read = if path == Path::new("-") {
        std::io::stdin()
            .take(MAX_RAW_BODY + 1)
            .read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path)
            .and_then(|file| file.take(MAX_RAW_BODY + 1).read_to_end(&mut bytes))
    };
    read.map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX_RAW_BODY {
        anyhow::bail!("{} is larger than 10 MiB", path.display());
    }
    Ok(bytes)
}
