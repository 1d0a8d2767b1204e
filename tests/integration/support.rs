//! Test databases: each test gets its own, cloned from a template that was
//! migrated once (per migration set), so tests run in parallel.

use std::sync::atomic::{AtomicU64, Ordering};

use ragdesk::db::{ConnectSettings, Db, MIGRATOR};
use sqlx::{Connection, Executor, PgConnection};

pub fn admin_url() -> String {
    std::env::var("RAGDESK_TEST_ADMIN_URL").expect(
        "RAGDESK_TEST_ADMIN_URL is not set: run the suite with scripts/test (it starts PostgreSQL with pgvector)",
    )
}

fn url_for(db: &str) -> String {
    let admin = admin_url();
    let base = admin.rsplit_once('/').expect("admin URL has a database").0;
    format!("{base}/{db}")
}

fn template_name() -> String {
    // A new migration set gets a new template.
    let mut h: u64 = 0xcbf29ce484222325;
    for m in MIGRATOR.iter() {
        for b in m.checksum.iter().chain(m.version.to_le_bytes().iter()) {
            h = (h ^ *b as u64).wrapping_mul(0x100000001b3);
        }
    }
    format!("ragdesk_tpl_{h:016x}")
}

pub struct TestDb {
    pub url: String,
    pub db: Db,
}

impl TestDb {
    pub async fn conn(&self) -> PgConnection {
        PgConnection::connect(&self.url).await.expect("connect to test database")
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_name() -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    format!("ragdesk_t_{}_{}_{}", std::process::id(), n, &uuid::Uuid::new_v4().simple().to_string()[..8])
}

/// A new, empty database (no migrations).
pub async fn empty() -> TestDb {
    let name = unique_name();
    let mut admin = PgConnection::connect(&admin_url()).await.expect("connect to the admin database");
    admin.execute(format!("CREATE DATABASE \"{name}\"").as_str()).await.unwrap();
    let url = url_for(&name);
    let db = Db::lazy(&url, &ConnectSettings::default()).unwrap();
    TestDb { url, db }
}

/// A new database with the current schema.
pub async fn migrated() -> TestDb {
    let template = template_name();
    let name = unique_name();
    let mut admin = PgConnection::connect(&admin_url()).await.expect("connect to the admin database");
    // One process at a time builds the template or clones it (cloning needs
    // nobody connected to the template).
    admin.execute("SELECT pg_advisory_lock(727274)").await.unwrap();
    let exists: Option<(i32,)> = sqlx::query_as("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&template)
        .fetch_optional(&mut admin)
        .await
        .unwrap();
    if exists.is_none() {
        let building = format!("{template}_build");
        admin.execute(format!("DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)").as_str()).await.unwrap();
        admin.execute(format!("CREATE DATABASE \"{building}\"").as_str()).await.unwrap();
        {
            let mut c = PgConnection::connect(&url_for(&building)).await.unwrap();
            MIGRATOR.run(&mut c).await.expect("migrations apply to an empty database");
            c.close().await.unwrap();
        }
        admin.execute(format!("ALTER DATABASE \"{building}\" RENAME TO \"{template}\"").as_str()).await.unwrap();
    }
    let created = admin.execute(format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"").as_str()).await;
    admin.execute("SELECT pg_advisory_unlock(727274)").await.unwrap();
    created.expect("clone the template");
    let url = url_for(&name);
    let db = Db::lazy(&url, &ConnectSettings::default()).unwrap();
    TestDb { url, db }
}

/// A migrated database filled by the seeder.
pub async fn seeded(seed: u64, sizes: ragdesk::seed::SeedSizes) -> TestDb {
    let t = migrated().await;
    let mut c = t.conn().await;
    ragdesk::seed::seed(&mut c, seed, sizes, |_, _| {}).await.expect("seed");
    t
}

pub fn tiny() -> ragdesk::seed::SeedSizes {
    ragdesk::seed::SeedSizes::preset("tiny").unwrap()
}
