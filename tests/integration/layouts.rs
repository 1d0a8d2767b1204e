//! Schema layouts against the real database: each foreign platform's
//! schema, created from its DDL as documented, is detected as its layout;
//! ours is detected on a migrated database; doctor says which and what a
//! near miss lacks; the console refuses a layout it cannot browse yet.

use std::process::Command;

use sqlx::Executor;

use crate::support;

async fn with_ddl(layout: &str) -> support::TestDb {
    let t = support::empty().await;
    let mut c = t.conn().await;
    c.execute(ragdesk::schema::ddl(layout).expect("a foreign layout's DDL")).await.unwrap();
    t
}

fn ragdesk(url: &str, args: &[&str]) -> (bool, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_ragdesk"))
        .args(["--database-url", url])
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent-ragdesk-test")
        .env("RAGDESK_MODEL_DIR", crate::embed::model_dir())
        .output()
        .unwrap();
    (o.status.success(), format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)))
}

#[tokio::test]
async fn each_platforms_schema_is_detected_as_its_layout() {
    for name in ["domo", "workspaces", "limitless", "omni"] {
        let t = with_ddl(name).await;
        let catalog = ragdesk::db::catalog::read(&mut t.conn().await).await.unwrap();
        let (chosen, fits) = ragdesk::schema::detect(&catalog);
        assert_eq!(chosen.as_ref().map(|l| l.name.as_str()), Some(name), "{fits:#?}");
        let native = fits.iter().find(|f| f.layout == "native").unwrap();
        assert!(!native.full(), "{name}: ours must not match a foreign schema");
    }
    let t = support::migrated().await;
    let catalog = ragdesk::db::catalog::read(&mut t.conn().await).await.unwrap();
    assert_eq!(ragdesk::schema::detect(&catalog).0.map(|l| l.name), Some("native".to_string()));
}

#[tokio::test]
async fn doctor_names_the_layout_and_what_a_near_miss_lacks() {
    let t = with_ddl("omni").await;
    let (_, out) = ragdesk(&t.url, &["doctor"]);
    assert!(out.contains("layout       'omni' (seed 004)") && out.contains("detected"), "{out}");
    // A column dropped: omni now fits only partly, and doctor says what is missing.
    t.conn().await.execute("ALTER TABLE public.messages DROP COLUMN role").await.unwrap();
    let (_, out) = ragdesk(&t.url, &["doctor"]);
    assert!(out.contains("no built-in layout fits this database"), "{out}");
    assert!(out.contains("table public.messages has no column \"role\" (named by [message] role"), "{out}");
    // --layout checks the one asked for, and fails with the missing column named.
    let (ok, out) = ragdesk(&t.url, &["--layout", "omni", "doctor"]);
    assert!(!ok && out.contains("as asked does not fit") && out.contains("no column \"role\""), "{out}");
    // A user's layout file with a mistake is refused with its reason.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mine.toml");
    std::fs::write(&file, "name = \"mine\"\ndescription = \"d\"\n[tenant]\ntable = \"public.customers\"\nid = \"id\"\ntitle = \"nmae\"\n").unwrap();
    let (ok, out) = ragdesk(&t.url, &["--layout", file.to_str().unwrap(), "doctor"]);
    assert!(!ok && out.contains("table public.customers has no column \"nmae\" (named by [tenant] title"), "{out}");
}

#[tokio::test]
async fn the_console_says_it_cannot_browse_a_foreign_layout_yet() {
    let t = with_ddl("domo").await;
    let (ok, out) = ragdesk(&t.url, &[]);
    assert!(!ok, "{out}");
    assert_eq!(out.lines().count(), 1, "{out}");
    assert!(out.contains("follows the 'domo' layout") && out.contains("browses only ragdesk's native layout"), "{out}");
}
