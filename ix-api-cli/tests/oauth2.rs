//! `ix-api` with OAuth2 client credentials, configured as the IX-API
//! Terraform provider is (`IX_API_AUTH`, `IX_API_OAUTH2_TOKEN_URL`,
//! `IX_API_OAUTH2_SCOPES`, `IX_API_HOST`), by flags, or by a profile.

use std::time::Duration;

use ix_api_sandbox::{OAuth2Endpoint, SandboxConfig};
use serde_json::{Value, json};

mod common;
use common::{World, code, json_out, text};

async fn world(name: &str) -> World {
    World::with(
        name,
        SandboxConfig {
            provisioning_delay: Duration::ZERO,
            oauth2: Some(OAuth2Endpoint::default()),
            ..SandboxConfig::default()
        },
    )
    .await
}

fn token_url(world: &World) -> String {
    world
        .sandbox
        .oauth2_token_url()
        .expect("an OAuth2 endpoint")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_with_flags_then_calls_from_the_cached_token() {
    let world = world("oauth2-flags").await;
    let url = token_url(&world);
    let flags = ["--oauth2", "--oauth2-token-url", url.as_str()];
    let login = world.run(&[&["login"][..], &flags].concat(), true).await;
    assert_eq!(code(&login), 0, "{}", text(&login.stderr));
    assert!(text(&login.stderr).contains("Logged in"));
    let cached: Value = serde_json::from_str(
        &std::fs::read_to_string(world.cache_dir().join("default.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(cached["oauth2_token_url"], json!(url));
    assert!(cached.get("refresh_token").is_none(), "OAuth2 issues none");

    // Without the secret: the cached access token serves.
    let token = world.run(&[&["token"][..], &flags].concat(), false).await;
    assert_eq!(code(&token), 0, "{}", text(&token.stderr));
    let listed = world
        .run(&[&["facilities", "list"][..], &flags].concat(), false)
        .await;
    assert_eq!(code(&listed), 0, "{}", text(&listed.stderr));
    assert_eq!(json_out(&listed).as_array().map(Vec::len), Some(3));
    let status = world.run(&[&["status"][..], &flags].concat(), false).await;
    assert!(
        text(&status.stdout).contains("OAuth2 at"),
        "{}",
        text(&status.stdout)
    );
    let counts = world.sandbox.counts();
    assert_eq!((counts.oauth2_grants, counts.logins), (1, 0));

    // The legacy login's cache is another thing: nothing of it is reused.
    let legacy = world.run(&["token"], false).await;
    assert_eq!(code(&legacy), 3, "{}", text(&legacy.stderr));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_terraform_provider_environment_works_as_it_is() {
    let world = world("oauth2-env").await;
    let listed = world
        .command(&["facilities", "list"], true)
        .env_remove("IX_API_URL")
        .env("IX_API_HOST", world.sandbox.base_url())
        .env("IX_API_AUTH", "oauth2")
        .env("IX_API_OAUTH2_TOKEN_URL", token_url(&world))
        .env("IX_API_OAUTH2_SCOPES", "ix-api")
        .output()
        .await
        .unwrap();
    assert_eq!(code(&listed), 0, "{}", text(&listed.stderr));
    assert_eq!(world.sandbox.counts().oauth2_grants, 1);

    // A scope the identity provider does not grant: its error, by name.
    let refused = world
        .command(&["login"], true)
        .env("IX_API_AUTH", "oauth2")
        .env("IX_API_OAUTH2_TOKEN_URL", token_url(&world))
        .env("IX_API_OAUTH2_SCOPES", "ix-api, everything")
        .output()
        .await
        .unwrap();
    assert_eq!(code(&refused), 1, "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr).contains("invalid_scope"),
        "{}",
        text(&refused.stderr)
    );

    let wrong = world
        .command(&["login"], false)
        .env("IX_API_SECRET", "x".repeat(world.secret().len()))
        .env("IX_API_AUTH", "oauth2")
        .env("IX_API_OAUTH2_TOKEN_URL", token_url(&world))
        .output()
        .await
        .unwrap();
    assert_eq!(code(&wrong), 3, "{}", text(&wrong.stderr));
    assert!(text(&wrong.stderr).contains("invalid_client"));
    assert!(!text(&wrong.stderr).contains(&"x".repeat(world.secret().len())));

    let unknown = world
        .command(&["login"], true)
        .env("IX_API_AUTH", "kerberos")
        .output()
        .await
        .unwrap();
    assert_eq!(code(&unknown), 2, "{}", text(&unknown.stderr));
}

/// Flags, then the environment, then the profile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_says_oauth2_and_the_environment_and_flags_win() {
    let world = world("oauth2-profile").await;
    let config = world.home.join("config/ix-api");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        format!(
            "[profiles.default]\nauth = \"oauth2\"\noauth2_token_url = \"{}\"\noauth2_scopes = [\"nothing-granted\"]\n",
            token_url(&world)
        ),
    )
    .unwrap();
    // The profile's scope is refused ...
    let refused = world.run(&["login"], true).await;
    assert_eq!(code(&refused), 1, "{}", text(&refused.stderr));
    // ... the environment's wins over it ...
    let by_env = world
        .command(&["login"], true)
        .env("IX_API_OAUTH2_SCOPES", "ix-api")
        .output()
        .await
        .unwrap();
    assert_eq!(code(&by_env), 0, "{}", text(&by_env.stderr));
    // ... and a flag over both.
    let by_flag = world
        .command(&["login", "--oauth2-scopes", "nothing-either"], true)
        .env("IX_API_OAUTH2_SCOPES", "ix-api")
        .output()
        .await
        .unwrap();
    assert_eq!(code(&by_flag), 1, "{}", text(&by_flag.stderr));
    // The environment says legacy: IX-API's own login, whatever the profile.
    let legacy = world
        .command(&["login"], true)
        .env("IX_API_AUTH", "legacy")
        .output()
        .await
        .unwrap();
    assert_eq!(code(&legacy), 0, "{}", text(&legacy.stderr));
    let counts = world.sandbox.counts();
    assert_eq!((counts.oauth2_grants, counts.logins), (1, 1));
}
