//! The command line as a newcomer meets it.

use std::process::Command;

use trustplan::config::DEMO_JWT_SECRET;
use trustplan::web::auth::{JwtKeys, Role};

use crate::helpers::jwt_config;

/// `trustplan token` without `JWT_SECRET` signs with the same demo secret as
/// `serve --demo` does, so the token works against a demo server.
#[test]
fn token_falls_back_to_the_demo_secret_like_serve_demo() {
    let out = Command::new(env!("CARGO_BIN_EXE_trustplan"))
        .args([
            "token", "--sub", "newcomer", "--role", "viewer", "--org", "HBC",
        ])
        .args(["--ttl", "1h"])
        .env_remove("JWT_SECRET")
        .env_remove("JWT_ALGORITHM")
        .env_remove("JWT_ISSUER")
        .env_remove("JWT_AUDIENCE")
        .output()
        .expect("run trustplan token");
    assert!(
        out.status.success(),
        "trustplan token failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let mut config = jwt_config();
    config.secret = Some(DEMO_JWT_SECRET.into());
    let claims = JwtKeys::from_config(&config)
        .unwrap()
        .verify(&token)
        .expect("a token signed with the demo secret");
    assert_eq!(claims.sub, "newcomer");
    assert_eq!(claims.role, Role::Viewer);
}
