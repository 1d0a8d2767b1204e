//! `ragdesk limits …` and `ragdesk audit`: the console's Limits and Audit
//! views on the command line, with the same validation, concurrency check
//! and audit (they call the same `db::limits` functions).

use clap::{Args, Subcommand};
use color_eyre::eyre::{Result, bail};

use super::{Context, output};
use crate::db::audit::{AuditRow, AuditTrail};
use crate::db::limits::{self, Expect};
use crate::db::mapped::KeysFrom;
use crate::db::rate_limits::RateLimits;
use crate::db::{Filter, tenants};

#[derive(Debug, Subcommand)]
pub enum LimitsCommand {
    /// The limits: defaults, or a tenant's effective values and where they come from.
    List {
        /// Tenant id, slug or name: show its effective values and usage.
        #[arg(long)]
        tenant: Option<String>,
        /// Print JSON on stdout.
        #[arg(long)]
        json: bool,
        /// The keys after this one (where the last list stopped), by key.
        #[arg(long)]
        after: Option<String>,
        /// At most this many keys (1 to 100,000; default 1000).
        #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        limit: u32,
    },
    /// Set a default, or a tenant's override (--tenant).
    Set {
        /// The limit's key (ours: its name; a layout's: the value of its key column).
        key: String,
        /// A whole number within the key's bounds (negative values are refused with the bounds).
        #[arg(allow_negative_numbers = true)]
        value: String,
        /// Set this tenant's override (id, slug or name) instead of the default (ours only).
        #[arg(long)]
        tenant: Option<String>,
        /// Why (kept in the audit).
        #[arg(long)]
        reason: Option<String>,
        /// Refuse unless the current value is this one (a guard for scripts).
        #[arg(long, value_name = "VALUE")]
        expect: Option<String>,
        /// Create KEY as a new limit with this description (unknown keys are refused otherwise).
        #[arg(long, value_name = "DESCRIPTION")]
        create: Option<String>,
    },
    /// Remove a tenant's override: the default applies again.
    Unset {
        key: String,
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// The audit of the limits (of KEY when given), newest first.
    History {
        key: Option<String>,
        /// Entries shown, newest first (1 or more).
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
        limit: u32,
        /// Print JSON on stdout.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only this entity: limit, rate_limit, tenant_rate_limit, knowledge_base, document, database.
    #[arg(long)]
    pub entity: Option<String>,
    /// Only this key (a limit's key, a document's or knowledge base's id).
    #[arg(long)]
    pub key: Option<String>,
    /// Words to look for (key, action, entity, reason, tenant name).
    pub words: Vec<String>,
    /// Entries shown, newest first (1 or more).
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..))]
    pub limit: u32,
    /// Print JSON on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `--layout NAME limits …` on another platform's schema: its rate limits
/// read through the layout, and set where the layout declares them
/// writable (audited in `ragdesk_audit.audit_log` there).
async fn foreign_limits(
    db: &crate::db::Db,
    conn: &mut sqlx::PgConnection,
    mapped: crate::db::mapped::Mapped,
    cmd: LimitsCommand,
) -> Result<()> {
    match cmd {
        LimitsCommand::List { json, tenant, after, limit } => {
            if tenant.is_some() {
                bail!("--tenant is for ragdesk's own schema; here each limit is a row of its own, by key");
            }
            // A page by key: a table of one per customer may hold millions.
            let from = after.map_or(KeysFrom::Top, KeysFrom::After);
            let (rows, more) = mapped.limits_matching(&mut *conn, "", &from, limit).await?;
            if let Some(last) = rows.last().filter(|_| more) {
                note_next_page(&last.key, None, limit);
            }
            if json {
                output::json(&rows)?;
            } else {
                output::out(format!(
                    "{} ({})",
                    mapped.layout.label(crate::schema::Kind::RateLimit),
                    mapped.layout.name
                ))?;
                for r in &rows {
                    let value = r.value.map(crate::db::page::group).unwrap_or_else(|| "—".into());
                    let about = r.description.as_deref().map(crate::sanitize::sanitize_line).unwrap_or_default();
                    // What the key names (`key_entity`), before what it says of itself.
                    let name = r.name.as_deref().map(|n| format!("{}  ", crate::sanitize::sanitize_line(n)));
                    output::out(format!(
                        "{:<40} {:>10}  {}{about}",
                        crate::sanitize::sanitize_line(&r.key),
                        value,
                        name.unwrap_or_default()
                    ))?;
                }
            }
            Ok(())
        }
        LimitsCommand::History { key, limit, json } => history(conn, AuditTrail::Foreign, key, limit, json).await,
        LimitsCommand::Set { key, value, reason, expect, tenant, create } => {
            if db.read_only {
                bail!("refusing to change limits over a read-only connection");
            }
            if tenant.is_some() || create.is_some() {
                bail!(
                    "--tenant and --create are for ragdesk's own schema; here each limit is a row of its own, by key"
                );
            }
            let value = limits::parse_value(&key, &value)?;
            // --expect names the value the operator saw.
            let expect = match expect.as_deref() {
                Some(e) => crate::db::mapped::Seen::Value(Some(limits::parse_value(&key, e)? as i64)),
                None => crate::db::mapped::Seen::Anything,
            };
            let (old, new) = mapped.set_limit_seen(&mut *conn, &key, value, expect, reason.as_deref()).await?;
            output::out(format!(
                "{key}: {} → {new} (layout {}; audited in ragdesk_audit.audit_log)",
                old.map(|v| v.to_string()).unwrap_or_else(|| "unset".into()),
                mapped.layout.name
            ))?;
            Ok(())
        }
        LimitsCommand::Unset { .. } => bail!(
            "on layout '{}' a limit is a value of its own row: set it (there are no tenant overrides to remove)",
            mapped.layout.name
        ),
    }
}

pub async fn limits(ctx: &Context, cmd: LimitsCommand) -> Result<()> {
    let db = ctx.connect_batch().await?;
    let mut conn = db.pool.acquire().await?;
    if let Some(mapped) = ctx.foreign_mapped(&mut conn).await? {
        return foreign_limits(&db, &mut conn, mapped, cmd).await;
    }
    let writes = matches!(cmd, LimitsCommand::Set { .. } | LimitsCommand::Unset { .. });
    if writes && db.read_only {
        bail!("refusing to change limits over a read-only connection");
    }
    if writes {
        // What the server allows, up front: a replica or a role without the
        // privileges is named, instead of failing halfway.
        if let Some(why) = crate::db::access::check(&mut conn).await?.why_read_only() {
            bail!("refusing to change limits: {why}");
        }
    }
    match cmd {
        LimitsCommand::List { tenant: typed, json, after, limit } => {
            let tenant = match &typed {
                Some(t) => Some(tenants::find(&mut conn, t).await?),
                None => None,
            };
            // Read through our layout, a page by key, as the Limits tab does.
            let ours = RateLimits::for_layout(db.ours().await?);
            let from = after.map_or(KeysFrom::Top, KeysFrom::After);
            let id = tenant.as_ref().map(|t| t.0);
            let view = ours.view(&mut conn, id, None, "", &from, limit).await?;
            if let Some(next) = &view.next {
                note_next_page(next, typed.as_deref(), limit);
            }
            // The tenant's usage of the keys on this page (a later page's
            // view reads none: read here).
            let rows = view.rows;
            let usage = match id {
                Some(t) if !from.replaces() => limits::usage(&mut conn, t).await?,
                _ => view.usage,
            };
            let usage: Vec<_> = usage.into_iter().filter(|u| rows.iter().any(|r| r.key == u.key)).collect();
            if json {
                // Each row with its effective value and where it comes from.
                let limits: Vec<serde_json::Value> = rows
                    .iter()
                    .map(|r| {
                        let mut v = serde_json::to_value(r).unwrap_or_default();
                        v["value"] = r.value().into();
                        v["source"] = r.source().into();
                        v
                    })
                    .collect();
                output::json(&serde_json::json!({
                    "tenant": tenant.as_ref().map(|(id, name)| serde_json::json!({"id": id, "name": name})),
                    "limits": limits,
                    "usage": usage,
                    // Where the next page starts (`--after`), when more keys follow.
                    "next_after": view.next,
                }))?;
                return Ok(());
            }
            match &tenant {
                Some((_, name)) => output::out(format!("limits for tenant {name} (effective value and its source)"))?,
                None => output::out("limits (global defaults)")?,
            }
            output::out(format!(
                "{:<24} {:>10} {:<9} {:>9} {:>10}  {}",
                "key", "value", "source", "overrides", "used", "description"
            ))?;
            for r in &rows {
                // Over the limit said, as the console says it.
                let used = usage
                    .iter()
                    .find(|u| u.key == r.key)
                    .map(|u| format!("{}{}", u.used, if u.over(r.value()) { " over" } else { "" }));
                let used = used.unwrap_or_default();
                output::out(format!(
                    "{:<24} {:>10} {:<9} {:>9} {:>10}  {}",
                    r.key,
                    if tenant.is_some() { r.value() } else { r.default_value },
                    if tenant.is_some() { r.source() } else { "default" },
                    r.overrides,
                    used,
                    r.description.as_deref().unwrap_or("")
                ))?;
            }
            for u in &usage {
                output::out(format!("  used {}: {}", u.key, u.basis))?;
            }
            if tenant.is_none() {
                if !view.overrides.is_empty() {
                    output::out("overrides (newest first)")?;
                }
                for o in &view.overrides {
                    output::out(format!(
                        "  {:<24} {:>10}  tenant {} ({}){}",
                        o.key,
                        o.value,
                        o.tenant_name,
                        o.tenant_id,
                        o.updated_by.as_deref().map(|b| format!(", by {b}")).unwrap_or_default()
                    ))?;
                }
            }
            Ok(())
        }
        LimitsCommand::Set { key, value, tenant, reason, expect, create } => {
            let value = limits::parse_value(&key, &value)?;
            if let Some(description) = create {
                if tenant.is_some() {
                    bail!("--create makes a global limit; set the tenant's override afterwards");
                }
                let row = limits::create(&mut conn, &key, value, &description, reason.as_deref()).await?;
                output::out(format!("created {} = {} ({})", row.key, row.value, description.trim()))?;
                return Ok(());
            }
            match tenant {
                None => {
                    let current = limits::get(&mut conn, &key).await?;
                    check_expected(&key, expect.as_deref(), Some(current.value))?;
                    // Through our layout, as the console writes it.
                    let ours = db.ours().await?;
                    let (_, new) =
                        ours.set_limit(&mut conn, &key, value, Some(&current.version), reason.as_deref()).await?;
                    output::out(format!("{key}: {} → {new} (global default)", current.value))?;
                }
                Some(t) => {
                    let (tenant, name) = tenants::find(&mut conn, &t).await?;
                    let current = match limits::effective_of(&mut conn, tenant, &key).await {
                        Err(crate::db::DbError::Invalid(_)) => {
                            bail!("unknown limit '{key}' (create it with --create DESCRIPTION first)")
                        }
                        other => other?,
                    };
                    check_expected(&key, expect.as_deref(), Some(current.value()))?;
                    let expect = match &current.override_version {
                        Some(v) => Expect::Version(v.clone()),
                        None => Expect::Absent,
                    };
                    let row = limits::set_override(&mut conn, tenant, &key, value, &expect, reason.as_deref()).await?;
                    output::out(format!(
                        "{key}: {} ({}) → {} (override for tenant {name})",
                        current.value(),
                        current.source(),
                        row.value()
                    ))?;
                }
            }
            Ok(())
        }
        LimitsCommand::Unset { key, tenant, reason } => {
            let (tenant, name) = tenants::find(&mut conn, &tenant).await?;
            let old = limits::unset_override(&mut conn, tenant, &key, &Expect::Any, reason.as_deref()).await?;
            let default = limits::get(&mut conn, &key).await?;
            output::out(format!(
                "{key}: override {old} removed for tenant {name}; the default {} applies",
                default.value
            ))?;
            Ok(())
        }
        LimitsCommand::History { key, limit, json } => history(&mut conn, AuditTrail::Native, key, limit, json).await,
    }
}

/// `limits history`: the limits' audit (of `key` when given), on any layout.
async fn history(
    conn: &mut sqlx::PgConnection,
    trail: AuditTrail,
    key: Option<String>,
    limit: u32,
    json: bool,
) -> Result<()> {
    let mut filter = Filter::parse("entity:limit");
    if let Some(k) = key {
        filter.terms.push(("key".into(), k));
    }
    print_newest(conn, trail, &filter, limit, json).await
}

/// `--expect`: the operator's idea of the current value must hold.
fn check_expected(key: &str, expect: Option<&str>, current: Option<i32>) -> Result<()> {
    if let Some(e) = expect {
        let want = limits::parse_value(key, e)?;
        if current != Some(want) {
            bail!(
                "conflict: {key} is {} now, not {want} (--expect); nothing was written",
                current.map(|c| c.to_string()).unwrap_or_else(|| "unset".into())
            );
        }
    }
    Ok(())
}

pub async fn audit(ctx: &Context, a: AuditArgs) -> Result<()> {
    let db = ctx.connect_batch().await?;
    let mut conn = db.pool.acquire().await?;
    // Another platform's database: ragdesk's writes there, audited in a
    // schema of its own.
    let mapped = ctx.foreign_mapped(&mut conn).await?;
    let trail = AuditTrail::for_layout(mapped.as_ref());
    let mut filter = Filter::parse(&a.words.join(" "));
    for (key, flag, value) in [("entity", "--entity", a.entity), ("key", "--key", a.key)] {
        let Some(value) = value else { continue };
        if filter.term(key).is_some() {
            bail!("{key}: is given twice, in the words and as {flag}: one value per key");
        }
        filter.terms.push((key.into(), value));
    }
    print_newest(&mut conn, trail, &filter, a.limit, a.json).await
}

/// The newest `limit` rows of the audit, printed; and on stderr, when older
/// ones exist, that they were left out.
async fn print_newest(
    conn: &mut sqlx::PgConnection,
    trail: AuditTrail,
    filter: &Filter,
    limit: u32,
    json: bool,
) -> Result<()> {
    let mut rows = trail.page(conn, filter, None, limit.saturating_add(1)).await?;
    let cut = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    print_audit(&rows, json)?;
    if cut {
        output::err(format!("(the newest {limit} shown; older ones exist: --limit N for more)"));
    }
    Ok(())
}

fn print_audit(rows: &[AuditRow], json: bool) -> Result<()> {
    use crate::sanitize::sanitize_line;
    if json {
        output::json(&rows)?;
        return Ok(());
    }
    if rows.is_empty() {
        output::err("no audit entries match");
        return Ok(());
    }
    // Keys, reasons and names are stored text (another operator's, or the
    // platform's): cleaned like everything else shown.
    for r in rows {
        output::out(format!(
            "{}  {:<7} {:<17} {:<24} {:<22} {}  by {}{}",
            r.at.format("%Y-%m-%d %H:%M:%S"),
            sanitize_line(&r.action),
            sanitize_line(&r.entity),
            sanitize_line(&r.entity_key),
            sanitize_line(&r.scope_text()),
            sanitize_line(&r.change_text()),
            sanitize_line(&r.who()),
            r.reason.as_deref().map(|x| format!("  reason: {}", sanitize_line(x))).unwrap_or_default()
        ))?;
    }
    Ok(())
}

/// Says on stderr where the next page of keys starts: the same command
/// with `--after KEY` (and the tenant and page size asked for), each value
/// quoted for a shell where it needs it (a key is any text).
fn note_next_page(last: &str, tenant: Option<&str>, limit: u32) {
    let quoted = |text: &str| {
        let text = crate::sanitize::sanitize_line(text);
        let plain = !text.is_empty() && text.chars().all(|c| c.is_ascii_alphanumeric() || "._:-@/".contains(c));
        if plain { text.into_owned() } else { format!("'{}'", text.replace('\'', "'\\''")) }
    };
    let mut command = String::from("limits list");
    if let Some(t) = tenant {
        command.push_str(&format!(" --tenant {}", quoted(t)));
    }
    if limit != 1000 {
        command.push_str(&format!(" --limit {limit}"));
    }
    command.push_str(&format!(" --after {}", quoted(last)));
    output::err(format!("note: more keys follow: `{command}` lists them"));
}
