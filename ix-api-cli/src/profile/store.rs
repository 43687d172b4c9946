//! Writing the config file: the profile `login` saves, the default that
//! `profile use` sets, the profile `profile remove` deletes. Edits keep the
//! rest of the file as the user wrote it (comments, order, other
//! profiles), and the file is replaced atomically, readable by the user
//! alone.

use std::io::Write;
use std::path::Path;

use ix_api_client::ClientAuthentication;
use toml_edit::{DocumentMut, Item, Table, value};

use super::{Given, Login, Target};
use crate::Failure;
use crate::cache::private_file;

/// Saves `target` as its profile (URL, API key, how it logs in; the secret
/// file only if `--secret-file` gave one, the CA only if `--cacert` did;
/// never the secret), and makes it the default if `make_default`.
pub fn save(
    path: &Path,
    target: &Target,
    given: &Given,
    make_default: bool,
) -> Result<(), Failure> {
    let mut document = load(path)?;
    let profile = profile_table(&mut document, path, &target.profile, true)?
        .ok_or_else(|| Failure::usage("no profile to save"))?;
    profile["url"] = value(target.url.as_str());
    profile["api_key"] = value(target.api_key.as_str());
    match &target.login {
        Login::Legacy => {
            profile["auth"] = value("legacy");
            for stale in ["oauth2_token_url", "oauth2_scopes", "oauth2_client_auth"] {
                profile.remove(stale);
            }
        }
        Login::OAuth2 {
            token_url,
            scopes,
            client_auth,
        } => {
            profile["auth"] = value("oauth2");
            profile["oauth2_token_url"] = value(token_url.as_str());
            profile["oauth2_scopes"] = value(scopes.join(" "));
            profile["oauth2_client_auth"] = value(match client_auth {
                ClientAuthentication::Form => "form",
                _ => "basic",
            });
        }
    }
    if let Some(file) = &given.secret_file {
        profile["secret_file"] = value(absolute(&super::expand_home(file))?);
    }
    if given.cacert.is_some()
        && let Some(file) = &target.cacert
    {
        profile["cacert"] = value(absolute(file)?);
    }
    if make_default {
        document["default_profile"] = value(target.profile.as_str());
    }
    store(path, &document)
}

/// Makes `name` the default profile; it must exist.
pub fn set_default(path: &Path, name: &str) -> Result<(), Failure> {
    let mut document = load(path)?;
    if profile_table(&mut document, path, name, false)?.is_none() {
        return Err(no_such(path, name));
    }
    document["default_profile"] = value(name);
    store(path, &document)
}

/// Deletes the profile `name` (and `default_profile` if it named it).
pub fn remove(path: &Path, name: &str) -> Result<(), Failure> {
    let mut document = load(path)?;
    let removed = document
        .get_mut("profiles")
        .and_then(Item::as_table_like_mut)
        .and_then(|profiles| profiles.remove(name));
    if removed.is_none() {
        return Err(no_such(path, name));
    }
    if document.get("default_profile").and_then(Item::as_str) == Some(name) {
        document.remove("default_profile");
    }
    store(path, &document)
}

pub fn no_such(path: &Path, name: &str) -> Failure {
    Failure::usage(format!(
        "no profile [profiles.{name}] in {} (ix-api profile list shows them)",
        path.display()
    ))
}

/// The table of profile `name`, made if `create`.
fn profile_table<'d>(
    document: &'d mut DocumentMut,
    path: &Path,
    name: &str,
    create: bool,
) -> Result<Option<&'d mut Table>, Failure> {
    let not_a_table = |what: &str| {
        Failure::usage(format!(
            "{}: {what} is not a table; ix-api leaves the file as it is",
            path.display()
        ))
    };
    if !create && !document.contains_key("profiles") {
        return Ok(None);
    }
    let profiles = document
        .entry("profiles")
        .or_insert_with(|| {
            let mut table = Table::new();
            // `[profiles.NAME]` headers, no empty `[profiles]`.
            table.set_implicit(true);
            Item::Table(table)
        })
        .as_table_mut()
        .ok_or_else(|| not_a_table("profiles"))?;
    if !create && !profiles.contains_key(name) {
        return Ok(None);
    }
    let profile = profiles
        .entry(name)
        .or_insert_with(|| Item::Table(Table::new()))
        .as_table_mut()
        .ok_or_else(|| not_a_table(&format!("profiles.{name}")))?;
    Ok(Some(profile))
}

/// The config file as it is (nothing if there is none). It has been read
/// (and checked) by [`super::read_config`] first, so its errors were said
/// there without a secret; here a parse error names only the file.
fn load(path: &Path) -> Result<DocumentMut, Failure> {
    super::read_config(path)?;
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Failure::local(format!("{}: {e}", path.display()))),
    };
    text.parse::<DocumentMut>()
        .map_err(|_| Failure::usage(format!("{} is not valid TOML", path.display())))
}

/// Writes `document` to `path`: a temporary file beside it, then a rename.
fn store(path: &Path, document: &DocumentMut) -> Result<(), Failure> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::local(format!("cannot create {}: {e}", dir.display())))?;
    let temporary = dir.join(format!(".config.toml.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = private_file(&temporary)?;
        file.write_all(document.to_string().as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    written.map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        Failure::local(format!("cannot write {}: {e}", path.display()))
    })
}

fn absolute(path: &Path) -> Result<String, Failure> {
    let absolute = std::path::absolute(path)
        .map_err(|e| Failure::usage(format!("{}: {e}", path.display())))?;
    absolute
        .to_str()
        .map(str::to_string)
        .ok_or_else(|| Failure::usage(format!("{} is not UTF-8", absolute.display())))
}
