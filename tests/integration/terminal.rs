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
    let (session, demo, tenant, tenant_name): (uuid::Uuid, uuid::Uuid, uuid::Uuid, String) = sqlx::query_as(
        "SELECT s.id, s.demo_id, d.tenant_id, tn.name FROM messages m JOIN sessions s ON s.id = m.session_id \
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
    let messages = ragdesk::db::messages::all(&mut *pool.acquire().await.unwrap(), session).await.unwrap();

    let home = tempfile::tempdir().unwrap();
    let tmux = support::console_in_tmux("drill", &t.url, home.path());
    let title_before = tmux.display("#{pane_title}");

    tmux.wait_for("the tenant list", |s| s.contains(&tenant_name) && s.contains("1 of 2"));
    for _ in 0..tenant_pos {
        tmux.keys(&["j"]);
    }
    tmux.keys(&["Enter"]);
    tmux.wait_for("the tenant's demos", |s| {
        s.contains("Demos of this tenant") && s.contains(" of ") && !s.contains("Loading")
    });
    for _ in 0..demo_pos {
        tmux.keys(&["j"]);
    }
    tmux.keys(&["Enter"]);
    tmux.wait_for("the demo's sessions", |s| s.contains("Sessions of this demo") && !s.contains("Loading"));
    for _ in 0..session_pos {
        tmux.keys(&["j"]);
    }
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the transcript", |s| s.contains("msg 1/"));

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
    assert!(screen.contains(&tenant_name), "breadcrumb shows where we are:\n{screen}");

    // Search inside the transcript, then quit.
    tmux.keys(&["/"]);
    tmux.keys(&["-l", "owned"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the search result", |s| s.contains("/owned: 1/1"));
    assert_eq!(tmux.display("#{alternate_on}"), "1");
    tmux.keys(&["q"]);
    let after = tmux.wait_for("the console to exit", |s| s.contains("RAGDESK_EXITED") && s.contains("icanon"));
    assert_eq!(tmux.display("#{alternate_on}"), "0", "alternate screen left");
    assert_eq!(tmux.display("#{cursor_flag}"), "1", "cursor shown again");
    assert!(after.contains(" icanon") && after.contains(" echo"), "cooked mode restored:\n{after}");
    assert!(!after.contains("-icanon"), "{after}");
}
