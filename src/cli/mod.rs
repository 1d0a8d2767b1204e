//! The command line: `ragdesk` (the console) and its subcommands.

mod doctor;
pub mod ingest;
mod limits;
pub mod output;
mod search;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use color_eyre::eyre::{Result, WrapErr, bail, eyre};

use crate::config::{Config, Connection, Paths};
use crate::db::{ConnectSettings, Db};
use crate::export::Format;
use crate::seed::{self, SeedSizes};

#[derive(Debug, Parser)]
#[command(
    name = "ragdesk",
    version,
    about = "Terminal operator console for AI chat and RAG platforms on PostgreSQL + pgvector"
)]
pub struct Cli {
    /// Configuration file (default: the XDG config directory's ragdesk/config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Database to use; overrides --profile, DATABASE_URL and the config file.
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// Named connection profile from the config file ([profiles.NAME]).
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Open the database read-only (the console shows a RO badge).
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Schema layout: native, domo, workspaces, limitless, omni, or a layout
    /// file (default: detected from the catalog; `doctor` shows which).
    #[arg(long, global = true, value_name = "NAME|FILE")]
    pub layout: Option<String>,
    /// On an error, print its full report after the one-line message.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the console (the default).
    Console,
    /// Apply pending migrations (a no-op when the schema is current).
    Migrate,
    /// Fill the database with deterministic sample data.
    Seed(SeedArgs),
    /// Export data.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Check the connection, server, pgvector, migrations and the embedding model.
    Doctor,
    /// Knowledge bases: create, list.
    #[command(subcommand)]
    Kb(ingest::KbCommand),
    /// Extract, chunk, embed and store documents in a knowledge base.
    Ingest(ingest::IngestArgs),
    /// Similarity search in a knowledge base: scores, recall against exact search, hybrid.
    Search(search::SearchArgs),
    /// Rate limits: list, set, unset, history (validated, conflict-checked and audited).
    #[command(subcommand)]
    Limits(limits::LimitsCommand),
    /// The audit trail of every write the product made.
    Audit(limits::AuditArgs),
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    /// Random seed: the same seed and sizes give the same data.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Size preset: tiny, small, medium, large (10M messages). Flags below override it.
    #[arg(long, default_value = "small")]
    pub scale: String,
    #[arg(long)]
    pub tenants: Option<u32>,
    /// Demos in total (spread over tenants).
    #[arg(long)]
    pub demos: Option<u32>,
    /// Leads in total.
    #[arg(long)]
    pub leads: Option<u32>,
    /// Sessions in total.
    #[arg(long)]
    pub sessions: Option<u32>,
    /// Messages in total (exact).
    #[arg(long)]
    pub messages: Option<u64>,
    /// Do nothing if the database already has tenants.
    #[arg(long)]
    pub if_empty: bool,
    /// Delete all console data first (tenants and everything below them).
    #[arg(long)]
    pub reset: bool,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Export one session's transcript.
    Session {
        /// Session id, or a unique prefix of it (at least 6 hex digits); with
        /// --layout, the conversation's id as the platform writes it.
        id: String,
        #[arg(long, value_enum, default_value = "md")]
        format: Format,
        /// Output file (default: standard output).
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

pub struct Context {
    pub cli: Cli,
    pub config: Config,
    pub paths: Paths,
    pub warnings: Vec<String>,
}

impl Context {
    pub fn connection(&self) -> Result<Connection> {
        let env = std::env::var("DATABASE_URL").ok();
        let mut c = self
            .config
            .resolve_connection(self.cli.database_url.as_deref(), self.cli.profile.as_deref(), env.as_deref())
            .map_err(|e| eyre!(e))?;
        c.read_only |= self.cli.read_only;
        Ok(c)
    }

    /// The model that wrote layout `name`'s vectors, as configured for this
    /// connection's profile or for the layout.
    pub fn layout_model(&self, name: &str) -> Option<crate::spec::LayoutModel> {
        let profile = self.connection().ok().and_then(|c| c.profile);
        self.config.layout_model(name, profile.as_deref(), &self.paths)
    }

    /// A pool for batch commands: no statement timeout.
    pub async fn connect_batch(&self) -> Result<Db> {
        let c = self.connection()?;
        let settings = ConnectSettings { read_only: c.read_only, statement_timeout: None, ..Default::default() };
        let db = Db::connect(&c.url, &settings).await.wrap_err("cannot connect to the database")?;
        Ok(db)
    }

    pub fn console_settings(&self, read_only: bool) -> ConnectSettings {
        ConnectSettings {
            read_only,
            statement_timeout: Some(Duration::from_millis(self.config.statement_timeout_ms)),
            ..Default::default()
        }
    }
}

impl Context {
    /// The other platform's layout a command works through on `conn`'s
    /// database: the one asked for (`--layout`; `native` means ours), else
    /// the one the catalog matches, as the console does. `None`: ragdesk's
    /// own schema.
    pub async fn foreign_mapped(&self, conn: &mut sqlx::PgConnection) -> Result<Option<crate::db::mapped::Mapped>> {
        let asked = match self.cli.layout.as_deref() {
            Some("native") => return Ok(None),
            Some(spec) => Some(crate::schema::load(spec).map_err(|e| eyre!(e))?),
            None => None,
        };
        Ok(crate::db::mapped::Mapped::for_database(conn, asked).await?)
    }
}

impl Context {
    /// The layout this database is read through, ours included: `--layout`,
    /// else the one its catalog matches.
    pub async fn layout_mapped(&self, conn: &mut sqlx::PgConnection) -> Result<crate::db::mapped::Mapped> {
        let asked = self.cli.layout.as_deref().map(crate::schema::load).transpose().map_err(|e| eyre!(e))?;
        crate::db::mapped::Mapped::for_console(conn, asked)
            .await?
            .ok_or_else(|| eyre!("no known layout fits this database: `ragdesk doctor` says what each one lacks"))
    }
}

pub async fn run(cli: Cli) -> Result<()> {
    let paths = Paths::discover();
    let loaded = Config::load(cli.config.as_deref(), &paths);
    let mut ctx = Context { cli, config: loaded.config, paths, warnings: loaded.warnings };
    let command = ctx.cli.command.take().unwrap_or(Command::Console);
    if !matches!(command, Command::Console) {
        for w in &ctx.warnings {
            output::err(format!("warning: {w}"));
        }
    }
    match command {
        Command::Console => crate::console::run_console(ctx).await,
        Command::Migrate => {
            let db = ctx.connect_batch().await?;
            if db.read_only {
                bail!("refusing to migrate over a read-only connection");
            }
            let before = db.migration_status().await?;
            db.migrate().await?;
            let after = db.migration_status().await?;
            output::out(format!(
                "migrations: {} applied now, {} in total ({})",
                before.pending.len(),
                after.applied,
                db.target
            ))?;
            Ok(())
        }
        Command::Seed(args) => seed_command(&ctx, args).await,
        Command::Export(ExportCommand::Session { id, format, output }) => {
            let db = ctx.connect_batch().await?;
            let mut conn = db.pool.acquire().await?;
            let conversations = crate::db::conversation::Conversations::new(ctx.layout_mapped(&mut conn).await?.into());
            let r = crate::export::render_conversation(&mut conn, &conversations, &id, format).await?;
            write_export(&r.text, r.messages, output.as_deref())
        }
        Command::Doctor => doctor::run(&ctx).await,
        Command::Kb(cmd) => ingest::kb(&ctx, cmd).await,
        Command::Ingest(args) => ingest::ingest(&ctx, args).await,
        Command::Search(args) => search::search(&ctx, args).await,
        Command::Limits(cmd) => limits::limits(&ctx, cmd).await,
        Command::Audit(args) => limits::audit(&ctx, args).await,
    }
}

/// An export to `output` (replaced whole or not at all), else to stdout.
fn write_export(text: &str, messages: usize, output: Option<&std::path::Path>) -> Result<()> {
    match output {
        Some(path) => {
            crate::export::write_atomically(path, text.as_bytes())
                .wrap_err_with(|| format!("cannot write {}", path.display()))?;
            output::err(format!("wrote {messages} messages to {}", path.display()));
        }
        None => output::raw(text.as_bytes())?,
    }
    Ok(())
}

/// `ragdesk --layout NAME seed`: another platform's schema (created from
/// its DDL when the database has none of it) filled through its layout.
async fn seed_layout(ctx: &Context, spec: &str, args: &SeedArgs) -> Result<()> {
    use crate::schema::Kind;
    let layout = crate::schema::load(spec).map_err(|e| eyre!(e))?;
    let db = ctx.connect_batch().await?;
    if db.read_only {
        bail!("refusing to seed a read-only connection");
    }
    let mut conn = db.pool.acquire().await?;
    let mut catalog = crate::db::catalog::read(&mut conn).await?;
    if crate::schema::fit(&layout, &catalog).present == 0 {
        let ddl = crate::schema::ddl(&layout.name).ok_or_else(|| {
            eyre!("the database has none of layout '{}' and there is no DDL to create it", layout.name)
        })?;
        crate::db::mapped::create_schema(&mut conn, ddl).await?;
        output::err(format!("created the '{}' schema ({})", layout.name, layout.description));
        catalog = crate::db::catalog::read(&mut conn).await?;
    }
    let mapped = crate::db::mapped::Mapped::new(layout, catalog)?;
    let first = mapped.layout.kinds().next().unwrap_or(Kind::Tenant);
    if !mapped.page(&mut conn, first, None, None, 1).await?.rows.is_empty() {
        if args.if_empty {
            output::err("database already has data; not seeding (--if-empty)");
            return Ok(());
        }
        bail!(
            "the '{}' tables already have rows: seeding another layout adds only to an empty one",
            mapped.layout.name
        );
    }
    let sizes = match args.scale.as_str() {
        "tiny" => seed::layout::LayoutSizes::default(),
        "small" => seed::layout::LayoutSizes { tenants: 4, per_parent: 5, messages: 20, chunks: 8 },
        other => bail!("--scale {other} is not available with --layout yet (tiny, small)"),
    };
    let filled = seed::layout::fill(&mut conn, &mapped, sizes, args.seed).await?;
    for (kind, ids) in &filled.ids {
        output::out(format!(" {}: {}", mapped.layout.label(*kind), ids.len()))?;
    }
    // Vectors of the texts by the local model, padded to the columns'
    // dimension; random ones (said so) when the model is not installed.
    let vector_kinds: Vec<Kind> = mapped.layout.kinds().filter(|k| mapped.vector_column(*k).is_ok()).collect();
    let Some(dim) = vector_kinds.iter().find_map(|k| mapped.vector_column(*k).ok().and_then(|(d, _)| d)) else {
        return Ok(());
    };
    let spec = crate::spec::ModelSpec {
        provider: "local".into(),
        model: crate::embed::LOCAL_MODEL.into(),
        dim: dim.max(crate::embed::LOCAL_DIM),
    };
    let settings = ctx.config.embedding.embedder(&ctx.paths);
    let provider = match tokio::task::spawn_blocking(move || crate::embed::provider_for(&spec, &settings)).await? {
        Ok(p) => p,
        Err(e) => {
            output::out(format!(
                "(the vectors are random unit vectors, not embeddings of the text: {e}; scripts/demo installs the local model)"
            ))?;
            return Ok(());
        }
    };
    let embedded = seed::layout::embed_vectors(&mut conn, &mapped, &provider).await?;
    for kind in vector_kinds.iter().filter(|k| !embedded.iter().any(|(e, _)| e == *k)) {
        output::out(format!(
            " {}: vectors random (its column is not {}-d)",
            mapped.layout.label(*kind),
            provider.dimension()
        ))?;
    }
    for (kind, n) in embedded {
        output::out(format!(
            " {}: {n} vectors by {} ({}-d{})",
            mapped.layout.label(kind),
            crate::embed::LOCAL_MODEL,
            crate::embed::LOCAL_DIM,
            if dim > crate::embed::LOCAL_DIM { format!(", zero-padded to {dim}") } else { String::new() }
        ))?;
    }
    Ok(())
}

async fn seed_command(ctx: &Context, args: SeedArgs) -> Result<()> {
    if let Some(spec) = ctx.cli.layout.as_deref().filter(|s| *s != "native") {
        return seed_layout(ctx, spec, &args).await;
    }
    let preset = SeedSizes::preset(&args.scale)
        .ok_or_else(|| eyre!("unknown --scale '{}' (tiny, small, medium, large)", args.scale))?;
    let sizes = SeedSizes {
        tenants: args.tenants.unwrap_or(preset.tenants),
        demos: args.demos.unwrap_or(preset.demos),
        leads: args.leads.unwrap_or(preset.leads),
        sessions: args.sessions.unwrap_or(preset.sessions),
        messages: args.messages.unwrap_or(preset.messages),
    };
    sizes.validate().map_err(|e| eyre!(e))?;
    let db = ctx.connect_batch().await?;
    if db.read_only {
        bail!("refusing to seed a read-only connection");
    }
    let mut conn = db.pool.acquire().await?;
    if args.reset {
        crate::db::bulk::reset(&mut conn).await?;
    } else if crate::db::bulk::has_tenants(&mut conn).await? {
        if args.if_empty {
            output::err("database already has data; not seeding (--if-empty)");
            return Ok(());
        }
        bail!("the database already has tenants: use --reset to replace them or --if-empty to skip");
    }
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let total = sizes.messages;
    let report = seed::seed(&mut conn, args.seed, sizes, |stage, n| {
        if tty {
            if stage == "messages" {
                eprint!("\rseeding messages: {n}/{total} ({:.0}%)   ", n as f64 * 100.0 / total.max(1) as f64);
            } else {
                eprint!("\rseeding {stage}: {n}                    ");
            }
        }
    })
    .await?;
    if tty {
        output::err("");
    }
    for (table, n) in &report.rows {
        output::out(format!("{table:>9}: {n}"))?;
    }
    output::out(format!(
        "seeded in {:.1}s ({:.0} messages/s) into {}",
        report.seconds,
        report.messages_per_second(),
        db.target
    ))?;
    Ok(())
}
