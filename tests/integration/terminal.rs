//! Drives the real binary in a real terminal (tmux): opens the console on
//! seeded data, drills down tenant → demo → session, checks the transcript
//! on screen against the database (hostile text shown, not executed), quits,
//! and checks the terminal was restored.

use crate::support;

async fn position(pool: &sqlx::PgPool, sql: &str, id: uuid::Uuid, scope: uuid::Uuid) -> usize {
    let ids: Vec<uuid::Uuid> = sqlx::query_scalar(sql).bind(scope).fetch_all(pool).await.unwrap();
    ids.iter().position(|x| *x == id).expect("row in its list")
}

#[tokio::test]
async fn console_in_a_real_terminal() {
    let t = support::seeded(21, support::tiny()).await;
    let pool = &t.db.pool;
    let (session, demo, tenant, tenant_name, demo_name): (uuid::Uuid, uuid::Uuid, uuid::Uuid, String, String) = sqlx::query_as(
        "SELECT s.id, s.demo_id, d.tenant_id, tn.name, d.company_name FROM messages m JOIN sessions s ON s.id = m.session_id \
         JOIN demos d ON d.id = s.demo_id JOIN tenants tn ON tn.id = d.tenant_id \
         WHERE m.content = E'\\x1b]2;owned\\x07\\x1b[2J' LIMIT 1",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let tenant_pos = position(
        pool,
        "SELECT id FROM tenants WHERE $1::uuid IS NOT NULL ORDER BY created_at DESC, id DESC",
        tenant,
        tenant,
    )
    .await;
    let demo_pos =
        position(pool, "SELECT id FROM demos WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC", demo, tenant)
            .await;
    let session_pos =
        position(pool, "SELECT id FROM sessions WHERE demo_id = $1 ORDER BY created_at DESC, id DESC", session, demo)
            .await;
    let messages = ragdesk::db::messages::all(&mut pool.acquire().await.unwrap(), session).await.unwrap();

    let home = tempfile::tempdir().unwrap();
    let tmux = support::console_in_tmux("drill", &t.url, home.path());
    let title_before = tmux.display("#{pane_title}");

    tmux.wait_for("the tenant list", |s| s.contains(&tenant_name) && s.contains("1 of 2"));
    for _ in 0..tenant_pos {
        tmux.keys(&["j"]);
    }
    tmux.keys(&["Enter"]);
    tmux.wait_for("the tenant's demos", |s| {
        s.contains("┌ Demos") && s.contains(&format!("Tenants › {tenant_name}")) && !s.contains("Loading")
    });
    for _ in 0..demo_pos {
        tmux.keys(&["j"]);
    }
    tmux.keys(&["Enter"]);
    tmux.wait_for("the demo's sessions", |s| s.contains("┌ Sessions") && !s.contains("Loading"));
    for _ in 0..session_pos {
        tmux.keys(&["j"]);
    }
    tmux.keys(&["Enter"]);
    // The breadcrumb names the conversation's own place (its demo), wherever
    // the lists have moved since. The messages and that heading are read by
    // two tasks; either may land first.
    let shown: String = ragdesk::sanitize::sanitize_line(&demo_name).chars().take(20).collect();
    let screen = tmux.wait_for("the transcript and its heading", |s| {
        s.contains("msg 1/") && s.lines().nth(1).is_some_and(|l| l.contains(&shown))
    });

    // The text on screen is the database's, sanitised.
    assert!(screen.contains("␛]2;owned␇␛[2J"), "hostile text is visible:\n{screen}");
    for m in messages.iter().take(3) {
        let first = ragdesk::sanitize::sanitize_multiline(&m.content);
        let first_line = ragdesk::text::wrap(&first, 60).remove(0);
        let probe: String = first_line.chars().take(24).collect();
        assert!(screen.contains(probe.trim_end()), "{probe:?} not on screen:\n{screen}");
        assert!(screen.contains(&m.created_at.format("%H:%M:%S").to_string()), "timestamp of {}", m.id);
    }
    assert_eq!(tmux.display("#{pane_title}"), title_before, "the title was not changed by message text");
    assert_ne!(tmux.display("#{pane_title}"), "owned");

    // Search inside the transcript, then quit.
    tmux.keys(&["/"]);
    tmux.keys(&["-l", "owned"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the search result", |s| s.contains("/owned: 1/1"));
    assert_eq!(tmux.display("#{alternate_on}"), "1");
    tmux.keys(&["q"]);
    support::assert_terminal_restored(&tmux);
}

/// The URL of `t` with a password in it (trust auth ignores it), to prove
/// it never reaches the screen or the log.
fn url_with_password(t: &support::TestDb) -> String {
    t.url.replacen("postgres@", "postgres:Pa55wordNeverShown@", 1)
}

#[tokio::test]
async fn a_panic_inside_the_app_restores_the_terminal_and_the_log_has_no_password() {
    let t = support::seeded(22, support::tiny()).await;
    let home = tempfile::tempdir().unwrap();
    let url = url_with_password(&t);
    let tmux =
        support::console_in_tmux_with("panic", &url, home.path(), "RAGDESK_LOG=debug RAGDESK_TEST_PANIC_ON_KEY=Z");
    tmux.wait_for("the tenant list", |s| s.contains("Tenants") && s.contains(" of "));
    assert!(!tmux.screen().contains("Pa55word"));
    tmux.keys(&["Z"]);
    support::assert_terminal_restored(&tmux);
    let history = tmux.cmd(&["capture-pane", "-p", "-S", "-2000", "-t", &tmux.target]);
    assert!(history.contains("test panic requested"), "the panic report is printed after restoring:\n{history}");
    let log = std::fs::read_to_string(home.path().join("data/ragdesk/ragdesk.log")).expect("the log file");
    assert!(log.contains("SELECT"), "debug logging wrote the queries");
    assert!(log.contains("test panic requested"), "the panic is logged");
    assert!(!log.contains("Pa55wordNeverShown"), "no password in the log file");
}

#[tokio::test]
async fn sigterm_and_sighup_restore_the_terminal() {
    let t = support::seeded(23, support::tiny()).await;
    for signal in ["TERM", "HUP"] {
        let home = tempfile::tempdir().unwrap();
        let tmux = support::console_in_tmux(&format!("sig{signal}"), &t.url, home.path());
        tmux.wait_for("the tenant list", |s| s.contains("Tenants") && s.contains(" of "));
        // `env` execs the console, so it is the pane shell's only child.
        let shell = tmux.display("#{pane_pid}");
        let out = std::process::Command::new("pgrep").args(["-P", &shell]).output().unwrap();
        let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(!pid.is_empty(), "the console runs under the pane's shell");
        let kill = std::process::Command::new("kill").args([&format!("-{signal}"), &pid]).status().unwrap();
        assert!(kill.success());
        let after = support::assert_terminal_restored(&tmux);
        assert!(after.contains(&format!("stopped by SIG{signal}")), "{after}");
    }
    // The terminal itself gone (tmux killed, an SSH session dropped): the
    // console closes on the hang-up without a panic, though nothing can be
    // written to the terminal any more.
    let home = tempfile::tempdir().unwrap();
    let tmux = support::console_in_tmux("gone", &t.url, home.path());
    tmux.wait_for("the tenant list", |s| s.contains("Tenants") && s.contains(" of "));
    drop(tmux);
    let log_file = home.path().join("data/ragdesk/ragdesk.log");
    let mut log = String::new();
    for _ in 0..50 {
        log = std::fs::read_to_string(&log_file).unwrap_or_default();
        if log.contains("console closed") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(log.contains("SIGHUP received") && log.contains("console closed"), "{log}");
    assert!(!log.contains("panic"), "{log}");
}

#[tokio::test]
async fn searching_a_knowledge_base_in_a_real_terminal() {
    use std::sync::Arc;
    let t = support::seeded(24, support::tiny()).await;
    let kb = support::local_kb(&t, "Clinic docs").await;
    let provider: ragdesk::embed::Provider =
        Arc::new(ragdesk::embed::local::LocalProvider::load(&crate::embed::model_dir()).unwrap());
    support::ingest_fixtures(&t, &kb, provider, &["faq.md", "hours.txt"]).await;

    let home = tempfile::tempdir().unwrap();
    let env = format!("RAGDESK_MODEL_DIR={}", crate::embed::model_dir().display());
    let tmux = support::console_in_tmux_with("search", &t.url, home.path(), &env);
    tmux.wait_for("the tenant list", |s| s.contains("Tenants") && s.contains(" of "));
    tmux.keys(&["5"]);
    tmux.wait_for("the knowledge bases", |s| s.contains("Clinic docs"));
    tmux.keys(&["s"]);
    tmux.wait_for("the question prompt", |s| s.contains("question:"));
    tmux.keys(&["-l", "when are you open on saturday"]);
    let screen =
        tmux.wait_for("the results, searched as typed", |s| s.contains("recall@10") && s.contains("hours.txt#0"));
    assert!(screen.contains("Clinic docs (local:all-MiniLM-L6-v2, 384-d)"), "{screen}");
    let first = screen.lines().find(|l| l.contains("#0") || l.contains("#1")).unwrap_or_default().to_string();
    assert!(first.contains("hours.txt"), "the opening hours rank first:\n{screen}");
    // Enter closes the prompt; x switches to exact search.
    tmux.keys(&["Enter"]);
    tmux.keys(&["x"]);
    tmux.wait_for("the exact search", |s| s.contains("exact scan") && s.contains("hours.txt#0"));
    tmux.keys(&["q"]);
    support::assert_terminal_restored(&tmux);
}

#[tokio::test]
async fn editing_a_tenants_limit_in_a_real_terminal_is_confirmed_written_and_audited() {
    let t = support::seeded(25, support::tiny()).await;
    let (tenant, name): (uuid::Uuid, String) =
        sqlx::query_as("SELECT id, name FROM tenants ORDER BY created_at DESC, id DESC LIMIT 1")
            .fetch_one(&t.db.pool)
            .await
            .unwrap();
    let home = tempfile::tempdir().unwrap();
    let tmux = support::console_in_tmux("limits", &t.url, home.path());
    tmux.wait_for("the tenant list", |s| s.contains("Tenants") && s.contains(" of "));
    // The first tenant, then its limits.
    tmux.keys(&["Enter"]);
    tmux.wait_for("the tenant's demos", |s| s.contains(&name));
    tmux.keys(&["7"]);
    tmux.wait_for("the tenant's limits", |s| s.contains("Limits · tenant") && s.contains("messages_per_demo"));
    tmux.keys(&["j", "j", "Enter"]);
    tmux.wait_for("the editor", |s| s.contains("messages_per_demo · tenant") && s.contains("now 50 (default)"));
    tmux.keys(&["-l", "77"]);
    tmux.keys(&["Tab"]);
    tmux.keys(&["-l", "pilot"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the confirmation", |s| s.contains("50 → 77") && s.contains("(y/n)"));
    tmux.keys(&["y"]);
    let screen = tmux.wait_for("the new value", |s| s.contains("override") && s.contains("Override 77 (default 50)"));
    assert!(!screen.contains(" RO "), "{screen}");
    let (value,): (i32,) =
        sqlx::query_as("SELECT value FROM tenant_rate_limits WHERE tenant_id = $1 AND key = 'messages_per_demo'")
            .bind(tenant)
            .fetch_one(&t.db.pool)
            .await
            .unwrap();
    assert_eq!(value, 77);
    let (reason, new): (Option<String>, serde_json::Value) =
        sqlx::query_as("SELECT reason, new_value FROM audit_log WHERE entity = 'tenant_rate_limit'")
            .fetch_one(&t.db.pool)
            .await
            .unwrap();
    assert_eq!((reason.as_deref(), new), (Some("pilot"), serde_json::json!(77)));
    // The Audit tab shows it.
    tmux.keys(&["8"]);
    tmux.wait_for("the audit", |s| s.contains("new: 77") && s.contains("reason: pilot"));
    tmux.keys(&["q"]);
    support::assert_terminal_restored(&tmux);
}
