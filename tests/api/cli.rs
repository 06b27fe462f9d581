//! The binary's own behaviour: configuration errors and token commands.

use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_campaign-tracker"))
}

#[test]
fn short_signing_secret_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .env("DATA_DIR", dir.path())
        .env("JWT_KEYS", "k1:too-short")
        .env("BIND_ADDR", "127.0.0.1:0")
        .arg("serve")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("shorter than 32 bytes"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line, not a panic trace: {err}");
}

#[test]
fn invalid_configuration_is_one_line() {
    let out = bin()
        .env("DATABASE_URL", "mysql://x")
        .arg("migrate")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("DATABASE_URL"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn token_issue_prints_only_the_token_and_list_and_revoke_work() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        bin()
            .env("DATA_DIR", dir.path())
            .env("LOAD_AREAS", "false")
            .env("RUST_LOG", "off")
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&[
        "token", "issue", "--role", "agency", "--agency", "police", "--label", "sync",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let token = stdout.trim();
    assert_eq!(stdout.lines().count(), 1);
    assert_eq!(token.split('.').count(), 3, "a JWT: {token}");
    // The generated key file is private.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("jwt.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let list = String::from_utf8(run(&["token", "list"]).stdout).unwrap();
    assert_eq!(list.lines().count(), 2, "{list}");
    assert!(list.contains("police") && list.contains("sync"));
    assert!(!list.contains(token));
    let jti = list
        .lines()
        .nth(1)
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .to_string();
    assert!(run(&["token", "revoke", &jti]).status.success());
    let list = String::from_utf8(run(&["token", "list"]).stdout).unwrap();
    assert!(
        !list.lines().nth(1).unwrap().ends_with('\t'),
        "revoked_at filled: {list}"
    );
    let bad = run(&["token", "issue", "--role", "agency"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("agency"));
}
