//! Profiles that stick: `login` with flags saves one, `ix-api profile
//! list|use|remove`, the rungs of precedence as `status` names them, the
//! OAuth2 client authentication, and a private CA (`--cacert`), against
//! the sandbox and real servers on 127.0.0.1.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use ix_api_sandbox::{OAuth2Endpoint, SandboxConfig};
use serde_json::{Value, json};

mod common;
use common::{World, code, hour_jwt, json_out, text};

/// An exchange nobody listens at.
const NOWHERE: &str = "http://127.0.0.1:9/api/v2";

fn config_file(world: &World) -> std::path::PathBuf {
    world.home.join("config/ix-api/config.toml")
}

fn write_config(world: &World, text: &str) {
    let file = config_file(world);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(file, text).unwrap();
}

/// `ix-api ARGS` with nothing in the environment but the secret and the
/// home.
fn bare(world: &World, args: &[&str]) -> tokio::process::Command {
    let mut command = world.command(args, true);
    command.env_remove("IX_API_URL").env_remove("IX_API_KEY");
    command
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_with_flags_saves_a_profile_the_next_command_uses() {
    let world = World::new("profile-login").await;
    // The user's comments and other profiles stay.
    write_config(
        &world,
        "# my exchanges\n[profiles.other] # kept\nurl = \"https://ixp.example.net/api/v2\"\napi_key = \"0123456789abcdef\"\n",
    );
    let api_key = world.sandbox.credentials().0.to_string();
    let url = world.url.clone();
    let login = bare(&world, &["login", "--url", &url, "--api-key", &api_key])
        .output()
        .await
        .unwrap();
    assert_eq!(code(&login), 0, "{}", text(&login.stderr));
    assert!(
        text(&login.stderr).contains("Saved profile 127.0.0.1"),
        "{}",
        text(&login.stderr)
    );
    let saved = std::fs::read_to_string(config_file(&world)).unwrap();
    assert!(
        saved.starts_with("default_profile = \"127.0.0.1\"\n"),
        "{saved}"
    );
    assert!(saved.contains("# my exchanges") && saved.contains("[profiles.other] # kept"));
    assert!(saved.contains(&format!("url = \"{url}\"")), "{saved}");
    assert!(saved.contains("auth = \"legacy\""), "{saved}");
    assert!(
        !saved.contains(&world.secret()),
        "never the secret: {saved}"
    );
    assert!(!saved.contains("secret_file"), "{saved}");

    // Nothing set, no secret: the saved profile and its tokens serve.
    let listed = world
        .command(&["facilities", "list"], false)
        .env_remove("IX_API_URL")
        .env_remove("IX_API_KEY")
        .output()
        .await
        .unwrap();
    assert_eq!(code(&listed), 0, "{}", text(&listed.stderr));
    assert_eq!(json_out(&listed).as_array().map(Vec::len), Some(3));
    assert_eq!(world.sandbox.counts().logins, 1);

    // A second login, --no-default: saved by --profile's name, the default
    // stays.
    let secret_file = world.home.join("sandbox.secret");
    std::fs::write(&secret_file, world.secret()).unwrap();
    let again = world
        .command(
            &[
                "login",
                "--url",
                &url,
                "--profile",
                "second",
                "--no-default",
                "--secret-file",
                secret_file.to_str().unwrap(),
            ],
            false,
        )
        .output()
        .await
        .unwrap();
    assert_eq!(code(&again), 0, "{}", text(&again.stderr));
    let saved = std::fs::read_to_string(config_file(&world)).unwrap();
    assert!(
        saved.starts_with("default_profile = \"127.0.0.1\"\n"),
        "{saved}"
    );
    assert!(saved.contains("[profiles.second]"), "{saved}");
    assert!(
        saved.contains(&format!("secret_file = \"{}\"", secret_file.display())),
        "{saved}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_list_use_and_remove() {
    let world = World::new("profile-commands").await;
    write_config(
        &world,
        &format!(
            "# mine\n[profiles.other]\nurl = \"{NOWHERE}\"\napi_key = \"0123456789abcdef\"\nauth = \"oauth2\"\noauth2_token_url = \"http://127.0.0.1:9/token\"\n\n[profiles.sandbox]\nurl = \"{}\"\napi_key = \"{}\"\n",
            world.url,
            world.sandbox.credentials().0
        ),
    );
    let list = || async { json_out(&world.run(&["profile", "list"], false).await) };
    let listed = list().await;
    assert_eq!(
        listed,
        json!([
            {"name": "other", "url": NOWHERE, "api_key": "0123456789abcdef", "auth": "oauth2", "default": false},
            {"name": "sandbox", "url": world.url, "api_key": world.sandbox.credentials().0, "auth": "legacy", "default": false},
        ])
    );

    let used = world.run(&["profile", "use", "sandbox"], false).await;
    assert_eq!(code(&used), 0, "{}", text(&used.stderr));
    assert_eq!(list().await[1]["default"], json!(true));
    let unknown = world.run(&["profile", "use", "nope"], false).await;
    assert_eq!(code(&unknown), 2);
    assert!(text(&unknown.stderr).contains("no profile [profiles.nope]"));

    // The default profile serves with nothing in the environment.
    let login = bare(&world, &["login"]).output().await.unwrap();
    assert_eq!(code(&login), 0, "{}", text(&login.stderr));
    let cached = world.cache_dir().join("sandbox.json");
    assert!(cached.exists());

    let removed = world.run(&["profile", "remove", "sandbox"], false).await;
    assert_eq!(code(&removed), 0, "{}", text(&removed.stderr));
    assert!(!cached.exists(), "its tokens are gone too");
    let listed = list().await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    let saved = std::fs::read_to_string(config_file(&world)).unwrap();
    assert!(saved.starts_with("# mine"), "{saved}");
    assert!(!saved.contains("default_profile"), "{saved}");
    let again = world.run(&["profile", "remove", "sandbox"], false).await;
    assert_eq!(code(&again), 2);
}

/// The lines of `status` (printed also when it fails: no login here).
async fn status(command: &mut tokio::process::Command) -> String {
    let output = command.output().await.unwrap();
    text(&output.stdout)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flags_beat_a_named_profile_which_beats_the_environment_which_beats_the_default() {
    let world = World::new("profile-rungs").await;
    write_config(
        &world,
        &format!(
            "default_profile = \"other\"\n[profiles.other]\nurl = \"{NOWHERE}\"\napi_key = \"0123456789abcdef\"\n"
        ),
    );
    // The environment (IX_API_URL, IX_API_KEY) beats the default profile.
    let shown = status(&mut world.command(&["status"], false)).await;
    assert!(
        shown.contains(&format!("url:           {} (IX_API_URL)", world.url)),
        "{shown}"
    );
    assert!(
        shown.contains("(default_profile in config.toml)"),
        "{shown}"
    );
    // Without it, the default profile serves.
    let shown = status(&mut bare(&world, &["status"])).await;
    assert!(
        shown.contains(&format!("url:           {NOWHERE} (profile \"other\")")),
        "{shown}"
    );
    // A profile named on purpose beats the environment, whole: no mix.
    let shown = status(&mut world.command(&["status", "--profile", "other"], false)).await;
    assert!(
        shown.contains(&format!("url:           {NOWHERE} (profile \"other\")")),
        "{shown}"
    );
    assert!(
        shown.contains("api key:       0123456789abcdef (profile \"other\")"),
        "{shown}"
    );
    let shown = status(
        world
            .command(&["status"], false)
            .env("IX_API_PROFILE", "other"),
    )
    .await;
    assert!(shown.contains("(profile \"other\")"), "{shown}");
    assert!(
        shown.contains("profile:       other (IX_API_PROFILE)"),
        "{shown}"
    );
    // A flag beats everything: the call goes to the sandbox.
    let url = world.url.clone();
    let api_key = world.sandbox.credentials().0.to_string();
    let flags = ["--profile", "other", "--url", &url, "--api-key", &api_key];
    let listed = world
        .run(&[&["facilities", "list"][..], &flags].concat(), true)
        .await;
    assert_eq!(code(&listed), 0, "{}", text(&listed.stderr));
    let shown = status(&mut world.command(&[&["status"][..], &flags].concat(), false)).await;
    assert!(
        shown.contains(&format!("url:           {url} (--url)")),
        "{shown}"
    );
    assert!(shown.contains("(--api-key)"), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_in_the_config_is_never_shown() {
    let world = World::new("profile-secret").await;
    write_config(
        &world,
        "[profiles.default]\nurl = \"https://ixp.example.net/api/v2\"\napi_secret = \"hunter2-hunter2\"\n",
    );
    for args in [
        &["status"][..],
        &["profile", "list"],
        &["login", "--url", NOWHERE],
    ] {
        let output = world.run(args, false).await;
        assert_eq!(code(&output), 2, "{args:?}");
        let said = text(&output.stderr);
        assert!(!said.contains("hunter2"), "{said}");
        assert!(said.contains("secret_file"), "{said}");
    }
    write_config(
        &world,
        "[profiles.default]\nurl = \"x\"\napi_secret = \"hunter2\n",
    );
    let broken = world.run(&["profile", "list"], false).await;
    assert_eq!(code(&broken), 2);
    assert!(
        !text(&broken.stderr).contains("hunter2"),
        "{}",
        text(&broken.stderr)
    );
}

/// What a token endpoint was sent: the Authorization header, the form.
type Sent = Arc<Mutex<Vec<(Option<String>, Vec<(String, String)>)>>>;

/// An OAuth2 token endpoint on 127.0.0.1 that grants anything and records
/// what each request carried.
async fn token_endpoint() -> (String, Sent) {
    let sent: Sent = Arc::default();
    let grant = |State(sent): State<Sent>, headers: HeaderMap, body: String| async move {
        let authorization = headers
            .get(header::AUTHORIZATION)
            .map(|v| v.to_str().unwrap().to_string());
        let form = url_form(&body);
        sent.lock().unwrap().push((authorization, form));
        (
            StatusCode::OK,
            axum::Json(json!({"access_token": hour_jwt("client"), "token_type": "Bearer", "expires_in": 3600})),
        )
            .into_response()
    };
    let app = Router::new()
        .route("/token", post(grant))
        .with_state(sent.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}/token"), sent)
}

fn url_form(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), v.replace("%2D", "-")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_oauth2_client_authenticates_in_the_form_body_when_told() {
    let world = World::new("profile-oauth2-form").await;
    let (token_url, sent) = token_endpoint().await;
    let api_key = world.sandbox.credentials().0.to_string();
    let oauth2 = ["--oauth2", "--oauth2-token-url", &token_url];

    let basic = world.run(&[&["login"][..], &oauth2].concat(), true).await;
    assert_eq!(code(&basic), 0, "{}", text(&basic.stderr));
    let form = world
        .run(
            &[&["login", "--oauth2-client-auth", "form"][..], &oauth2].concat(),
            true,
        )
        .await;
    assert_eq!(code(&form), 0, "{}", text(&form.stderr));
    let by_env = world
        .command(&[&["login"][..], &oauth2].concat(), true)
        .env("IX_API_OAUTH2_CLIENT_AUTH", "form")
        .output()
        .await
        .unwrap();
    assert_eq!(code(&by_env), 0, "{}", text(&by_env.stderr));

    let sent = sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 3);
    let has = |form: &[(String, String)], key: &str| form.iter().any(|(k, _)| k == key);
    // Basic, the default: the header, and no credentials in the body.
    assert!(sent[0].0.as_deref().unwrap().starts_with("Basic "));
    assert!(!has(&sent[0].1, "client_secret"), "{:?}", sent[0].1);
    // Form: the credentials in the body, no Authorization header.
    for (authorization, form) in &sent[1..] {
        assert_eq!(authorization, &None);
        assert!(
            form.contains(&("client_id".to_string(), api_key.clone())),
            "{form:?}"
        );
        assert!(
            form.contains(&("client_secret".to_string(), world.secret())),
            "{form:?}"
        );
    }
    let wrong = world
        .run(
            &[&["login", "--oauth2-client-auth", "header"][..], &oauth2].concat(),
            true,
        )
        .await;
    assert_eq!(code(&wrong), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_saved_with_form_client_auth_works_against_the_sandbox() {
    let world = World::with(
        "profile-oauth2-sandbox",
        SandboxConfig {
            provisioning_delay: Duration::ZERO,
            oauth2: Some(OAuth2Endpoint::default()),
            ..SandboxConfig::default()
        },
    )
    .await;
    let token_url = world.sandbox.oauth2_token_url().unwrap();
    let url = world.url.clone();
    let api_key = world.sandbox.credentials().0.to_string();
    let login = bare(
        &world,
        &[
            "login",
            "--url",
            &url,
            "--api-key",
            &api_key,
            "--profile",
            "sso",
            "--oauth2",
            "--oauth2-token-url",
            &token_url,
            "--oauth2-client-auth",
            "form",
        ],
    )
    .output()
    .await
    .unwrap();
    assert_eq!(code(&login), 0, "{}", text(&login.stderr));
    let saved = std::fs::read_to_string(config_file(&world)).unwrap();
    assert!(saved.contains("oauth2_client_auth = \"form\""), "{saved}");
    assert!(saved.contains("auth = \"oauth2\""), "{saved}");
    let listed = bare(&world, &["facilities", "list"])
        .output()
        .await
        .unwrap();
    assert_eq!(code(&listed), 0, "{}", text(&listed.stderr));
    let status = bare(&world, &["status"]).output().await.unwrap();
    assert!(
        text(&status.stdout).contains("client auth form) (profile \"sso\")"),
        "{}",
        text(&status.stdout)
    );
    assert_eq!(world.sandbox.counts().oauth2_grants, 1);
}

/// A private CA, and an exchange behind TLS with a certificate it issued
/// for localhost: a TLS proxy on 127.0.0.1 in front of the sandbox. The
/// CA's PEM and the exchange's https URL.
async fn behind_a_private_ca(world: &World) -> (String, String) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "ix-api test CA");
    let ca_key = KeyPair::generate().unwrap();
    let ca_pem = ca.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::new(ca, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let key = rustls::pki_types::PrivateKeyDer::try_from(leaf_key.serialize_der()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![leaf.der().clone()], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let behind = world
        .url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (acceptor, behind) = (acceptor.clone(), behind.clone());
            tokio::spawn(async move {
                // A client that does not trust the CA hangs up here.
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let mut sandbox = tokio::net::TcpStream::connect(behind).await.unwrap();
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut sandbox).await;
            });
        }
    });
    (ca_pem, format!("https://localhost:{port}/api/v2"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cacert_trusts_a_private_ca_for_login_and_calls() {
    let world = World::new("profile-cacert").await;
    let (ca_pem, url) = behind_a_private_ca(&world).await;
    let cacert = world.home.join("ca.pem");
    std::fs::write(&cacert, ca_pem).unwrap();
    let cacert = cacert.to_str().unwrap();

    let untrusted = world.run(&["login", "--url", &url], true).await;
    assert_eq!(code(&untrusted), 4, "{}", text(&untrusted.stderr));
    let said = text(&untrusted.stderr);
    assert!(said.contains("TLS handshake failed"), "{said}");
    assert!(said.contains("--cacert FILE"), "{said}");

    let login = world
        .run(&["login", "--url", &url, "--cacert", cacert], true)
        .await;
    assert_eq!(code(&login), 0, "{}", text(&login.stderr));
    let saved = std::fs::read_to_string(config_file(&world)).unwrap();
    assert!(saved.contains(&format!("cacert = \"{cacert}\"")), "{saved}");
    // The saved profile's CA, with nothing set.
    let listed = bare(&world, &["facilities", "list"])
        .output()
        .await
        .unwrap();
    assert_eq!(code(&listed), 0, "{}", text(&listed.stderr));
    // The environment's, for a profile that has none.
    let by_env = world
        .command(&["facilities", "list", "--url", &url], true)
        .env("IX_API_CACERT", cacert)
        .env("XDG_CONFIG_HOME", world.home.join("elsewhere"))
        .output()
        .await
        .unwrap();
    assert_eq!(code(&by_env), 0, "{}", text(&by_env.stderr));
    let not_pem = world
        .run(
            &["facilities", "list", "--url", &url, "--cacert", "/dev/null"],
            true,
        )
        .await;
    assert_eq!(code(&not_pem), 2, "{}", text(&not_pem.stderr));
    let _: Value = json_out(&listed);
}
