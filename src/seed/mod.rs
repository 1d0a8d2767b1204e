//! Deterministic sample data: `ragdesk seed`. The same seed and sizes give
//! byte-identical data. Tenants, demos, leads and sessions are planned in
//! memory (small); messages are generated session by session and streamed
//! with COPY, so memory stays bounded whatever `--messages` is.

pub mod content;
pub mod layout;

use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sqlx::Executor;
use sqlx::postgres::PgConnection;
use uuid::Uuid;

use crate::db::bulk::{self, CopyBuf, CopyStream};
use content::{Conversation, INDUSTRIES, Industry};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeedSizes {
    pub tenants: u32,
    pub demos: u32,
    pub leads: u32,
    pub sessions: u32,
    pub messages: u64,
}

impl SeedSizes {
    pub fn preset(name: &str) -> Option<SeedSizes> {
        Some(match name {
            "tiny" => SeedSizes { tenants: 2, demos: 6, leads: 12, sessions: 20, messages: 300 },
            "small" => SeedSizes { tenants: 6, demos: 30, leads: 300, sessions: 600, messages: 15_000 },
            "medium" => SeedSizes { tenants: 20, demos: 200, leads: 10_000, sessions: 20_000, messages: 500_000 },
            "large" => SeedSizes { tenants: 50, demos: 1_000, leads: 100_000, sessions: 200_000, messages: 10_000_000 },
            _ => return None,
        })
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.tenants == 0 {
            return Err("--tenants must be at least 1".into());
        }
        if self.demos < self.tenants {
            return Err("--demos must be at least --tenants (every tenant gets a demo)".into());
        }
        if self.sessions > 0 && self.leads == 0 {
            return Err("--leads must be at least 1 when there are sessions".into());
        }
        if self.leads > self.sessions {
            return Err("--leads must not exceed --sessions (every lead has a session)".into());
        }
        if self.messages < self.sessions as u64 {
            return Err("--messages must be at least --sessions (every session has a message)".into());
        }
        Ok(())
    }
}

/// The moment the sample data is "now": fixed, so data is reproducible.
pub fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap()
}

#[derive(Debug, Clone, Default)]
pub struct SeedReport {
    pub rows: Vec<(String, u64)>,
    pub seconds: f64,
}

impl SeedReport {
    pub fn messages_per_second(&self) -> f64 {
        let m = self.rows.iter().find(|(t, _)| t == "messages").map(|r| r.1).unwrap_or(0);
        m as f64 / self.seconds.max(1e-9)
    }
}

fn uuid(rng: &mut ChaCha8Rng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

struct DemoPlan {
    id: Uuid,
    industry: &'static Industry,
    company: String,
    created_at: DateTime<Utc>,
    hosts_leads: bool,
}

struct LeadPlan {
    id: Uuid,
    demo: usize,
    first_seen: DateTime<Utc>,
    name: Option<String>,
}

struct SessionPlan {
    id: Uuid,
    lead: usize,
    created_at: DateTime<Utc>,
    messages: u32,
    open: bool,
    channel: &'static str,
}

/// Splits `total` into `n` parts of at least one, skewed like real traffic:
/// most conversations are short, a few run to thousands of messages.
fn message_counts(rng: &mut ChaCha8Rng, n: usize, total: u64) -> Vec<u32> {
    if n == 0 {
        return Vec::new();
    }
    let mut weights: Vec<f64> = (0..n)
        .map(|_| {
            let r: f64 = rng.random();
            if r < 0.004 {
                150.0 + rng.random::<f64>() * 100.0
            } else {
                1.0 + (-(1.0 - rng.random::<f64>()).ln()) * 3.0
            }
        })
        .collect();
    // At least one marathon session when there is room for one.
    if total >= n as u64 + 2_000 && !weights.iter().any(|w| *w >= 150.0) {
        weights[0] = 200.0;
    }
    let spare = total - n as u64;
    let sum: f64 = weights.iter().sum();
    let mut counts: Vec<u32> = weights.iter().map(|w| 1 + (spare as f64 * w / sum).floor() as u32).collect();
    let mut assigned: u64 = counts.iter().map(|c| *c as u64).sum();
    let mut i = 0;
    while assigned < total {
        counts[i % n] += 1;
        assigned += 1;
        i += 1;
    }
    counts
}

/// Lower-case ASCII words joined by `-` (names into emails, domains, handles).
pub(crate) fn slugify(s: &str) -> String {
    let mut out = String::new();
    for c in s.to_lowercase().chars() {
        // Latin letters with diacritics keep their base letter (Müller → muller).
        let c = match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ñ' => 'n',
            'ç' => 'c',
            'ł' => 'l',
            other => other,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Fills an empty database. Runs in one transaction: a failure leaves
/// nothing, and leaves the connection out of the failed transaction (the
/// load's BEGIN is raw SQL, which a pooled connection does not know about).
pub async fn seed(
    conn: &mut PgConnection,
    seed: u64,
    sizes: SeedSizes,
    progress: impl FnMut(&str, u64),
) -> crate::db::Result<SeedReport> {
    let result = load(conn, seed, sizes, progress).await;
    if result.is_err() {
        let _ = conn.execute("ROLLBACK").await;
    }
    result
}

async fn load(
    conn: &mut PgConnection,
    seed: u64,
    sizes: SeedSizes,
    mut progress: impl FnMut(&str, u64),
) -> crate::db::Result<SeedReport> {
    let started = Instant::now();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let now = epoch();
    let span_days = 240i64;

    bulk::begin_load(conn).await?;
    let mut report = SeedReport::default();

    // Tenants.
    let mut buf = CopyBuf::new();
    let mut tenant_ids = Vec::new();
    let plans = ["free", "starter", "pro", "enterprise"];
    for i in 0..sizes.tenants {
        let id = uuid(&mut rng);
        let base = content::TENANT_NAMES[i as usize % content::TENANT_NAMES.len()];
        let name = if (i as usize) < content::TENANT_NAMES.len() {
            base.to_string()
        } else {
            format!("{base} {}", i as usize / content::TENANT_NAMES.len() + 1)
        };
        let created = now - Duration::days(span_days + 60) + Duration::minutes(rng.random_range(0..60 * 24 * 50));
        let meta = serde_json::json!({"billing_email": format!("billing@{}.example", slugify(base)), "region": content::pick(&mut rng, &["us-east-1", "eu-west-1", "ap-southeast-2"])});
        buf.display(id)
            .text(&name)
            .text(&slugify(&name))
            .text(plans[rng.random_range(0..plans.len())])
            .text(&meta.to_string())
            .ts(created)
            .ts(created);
        buf.end_row();
        tenant_ids.push((id, created));
    }
    let copy = CopyStream::start(conn, bulk::TENANTS).await?;
    report.rows.push(("tenants".into(), copy.finish(&mut buf).await?));
    progress("tenants", sizes.tenants as u64);

    // Demos: every tenant has at least one; statuses cover the whole range.
    let statuses = ["active", "active", "active", "expired", "draft", "blueprint"];
    let missions = ["reactivation", "nurture", "service", "review"];
    let mut demos: Vec<DemoPlan> = Vec::new();
    let mut copy = CopyStream::start(conn, bulk::DEMOS).await?;
    for i in 0..sizes.demos {
        let (tenant_id, tenant_created) = tenant_ids
            [if (i as usize) < tenant_ids.len() { i as usize } else { rng.random_range(0..tenant_ids.len()) }];
        let industry = &INDUSTRIES[rng.random_range(0..INDUSTRIES.len())];
        let company = content::pick(&mut rng, industry.companies).to_string();
        let status = if (i as usize) < statuses.len() {
            statuses[i as usize]
        } else {
            statuses[rng.random_range(0..statuses.len())]
        };
        let created = tenant_created + Duration::minutes(rng.random_range(0..60 * 24 * 60));
        // Demo 5 is always soft-deleted: every seed of six demos or more has one.
        let deleted =
            (i == 5 || (i > 5 && rng.random_bool(0.08))).then(|| created + Duration::days(rng.random_range(1..30)));
        let expires = match status {
            "draft" | "blueprint" => None,
            "expired" => Some(created + Duration::days(rng.random_range(7..30))),
            _ => Some(now + Duration::days(rng.random_range(3..90))),
        };
        let mission = missions[rng.random_range(0..missions.len())];
        let offers: Vec<String> =
            industry.offers.iter().filter(|_| rng.random_bool(0.7)).map(|s| s.to_string()).collect();
        let products: Vec<String> =
            industry.products.iter().filter(|_| rng.random_bool(0.8)).map(|s| s.to_string()).collect();
        let criteria: Vec<String> = industry.criteria.iter().map(|s| s.to_string()).collect();
        let domain = slugify(&company);
        let colours = ["#2563EB", "#DC2626", "#059669", "#7C3AED", "#EA580C", "#0F766E", "#DB2777"];
        let prompt = content::system_prompt(&company, industry, mission, &offers);
        let step = if status == "draft" {
            content::pick(&mut rng, &["mission", "company", "knowledge", "review"])
        } else {
            "complete"
        };
        let updated = deleted.unwrap_or(created + Duration::hours(rng.random_range(1..200)));
        let id = uuid(&mut rng);
        buf.display(id)
            .display(tenant_id)
            .ts(created)
            .opt_ts(expires)
            .text(&company)
            .text(industry.name)
            .text(&format!("https://www.{domain}.example"))
            .text_array(&products)
            .text_array(&offers)
            .text_array(&criteria)
            .text(&format!("https://cdn.{domain}.example/logo.png"))
            .text(colours[rng.random_range(0..colours.len())])
            .text("#F8F9FA")
            .text(mission)
            .text(content::pick(&mut rng, content::MODELS))
            .text(&prompt)
            .text(status)
            .text(&format!("user_{}", rng.random_range(1000..9999)))
            .ts(updated)
            .opt_ts(deleted)
            .text(step);
        buf.end_row();
        copy.flush(&mut buf, false).await?;
        let hosts_leads = matches!(status, "active" | "expired");
        demos.push(DemoPlan { id, industry, company, created_at: created, hosts_leads });
    }
    report.rows.push(("demos".into(), copy.finish(&mut buf).await?));
    progress("demos", sizes.demos as u64);
    if !demos.iter().any(|d| d.hosts_leads) {
        demos[0].hosts_leads = true;
    }
    let hosts: Vec<usize> = demos.iter().enumerate().filter(|(_, d)| d.hosts_leads).map(|(i, _)| i).collect();

    // Leads, each tied to a demo that takes visitors.
    let mut leads: Vec<LeadPlan> = Vec::with_capacity(sizes.leads as usize);
    for _ in 0..sizes.leads {
        let demo = hosts[rng.random_range(0..hosts.len())];
        let d = &demos[demo];
        let window = (now - d.created_at).num_minutes().max(60);
        let first_seen = d.created_at + Duration::minutes(rng.random_range(0..window));
        let name = rng.random_bool(0.6).then(|| content::person_name(&mut rng));
        leads.push(LeadPlan { id: uuid(&mut rng), demo, first_seen, name });
    }

    // Sessions: every lead gets one, the rest go to random leads.
    let channels = ["chat", "chat", "chat", "voice", "sms"];
    let counts = message_counts(&mut rng, sizes.sessions as usize, sizes.messages);
    let mut sessions: Vec<SessionPlan> = Vec::with_capacity(sizes.sessions as usize);
    for (i, n) in counts.iter().enumerate() {
        let lead = if i < leads.len() { i } else { rng.random_range(0..leads.len()) };
        let l = &leads[lead];
        let window = (now - l.first_seen).num_minutes().max(10);
        let created =
            if i < leads.len() { l.first_seen } else { l.first_seen + Duration::minutes(rng.random_range(0..window)) };
        let open = i == 2 || rng.random_bool(0.06) || (now - created).num_hours() < 2;
        // The first three sessions cover every channel.
        let channel = match i {
            0 => "chat",
            1 => "voice",
            2 => "sms",
            _ => channels[rng.random_range(0..channels.len())],
        };
        sessions.push(SessionPlan { id: uuid(&mut rng), lead, created_at: created, messages: *n, open, channel });
    }
    // Message timestamps are laid out per session; the lead's last_seen_at
    // is its latest session activity, so compute session ends first.
    let gaps: Vec<i64> = sessions.iter().map(|s| if s.messages > 500 { 5 } else { 25 }).collect();
    let mut last_seen: Vec<DateTime<Utc>> = leads.iter().map(|l| l.first_seen).collect();
    for (s, gap) in sessions.iter().zip(&gaps) {
        let end = s.created_at + Duration::seconds(gap * s.messages as i64 + 30);
        if end > last_seen[s.lead] {
            last_seen[s.lead] = end;
        }
    }

    let mut copy = CopyStream::start(conn, bulk::LEADS).await?;
    for (i, l) in leads.iter().enumerate() {
        // The first three leads cover every identifier type.
        let kind = match i {
            0 => "email",
            1 => "phone",
            2 => "anonymous",
            _ => content::pick(&mut rng, &["email", "email", "phone", "anonymous"]),
        };
        let identifier = match kind {
            "email" => {
                let base = l.name.clone().unwrap_or_else(|| content::person_name(&mut rng));
                format!(
                    "{}.{}@{}",
                    slugify(&base).replace('-', "."),
                    i,
                    content::pick(&mut rng, &["gmail.example", "outlook.example", "proton.example", "corp.example"])
                )
            }
            "phone" => format!("+1{}{:07}", rng.random_range(201..989), rng.random_range(0..10_000_000)),
            _ => format!("anon_{}", nanoid(&mut rng)),
        };
        let display = if kind == "anonymous" { None } else { l.name.as_deref() };
        let meta = serde_json::json!({
            "source": content::pick(&mut rng, &["website_widget", "google_ads", "facebook", "qr_code", "referral"]),
            "utm_campaign": content::pick(&mut rng, &["spring_promo", "retargeting", "brand", "none"]),
            "device": content::pick(&mut rng, &["mobile", "desktop", "tablet"]),
        });
        buf.display(l.id)
            .display(demos[l.demo].id)
            .text(&identifier)
            .text(kind)
            .opt_text(display)
            .ts(l.first_seen)
            .ts(last_seen[i])
            .text(&meta.to_string());
        buf.end_row();
        copy.flush(&mut buf, false).await?;
    }
    report.rows.push(("leads".into(), copy.finish(&mut buf).await?));
    progress("leads", sizes.leads as u64);

    let mut copy = CopyStream::start(conn, bulk::SESSIONS).await?;
    for (s, gap) in sessions.iter().zip(&gaps) {
        let ended = (!s.open).then(|| s.created_at + Duration::seconds(gap * s.messages as i64 + 30));
        let meta = serde_json::json!({"user_agent": content::pick(&mut rng, &["Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X)", "Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6)"]), "locale": content::pick(&mut rng, &["en-US", "en-GB", "es-MX", "ja-JP", "zh-CN", "de-DE"])});
        buf.display(s.id)
            .display(leads[s.lead].id)
            .display(demos[leads[s.lead].demo].id)
            .text(s.channel)
            .ts(s.created_at)
            .opt_ts(ended)
            .text(&meta.to_string());
        buf.end_row();
        copy.flush(&mut buf, false).await?;
    }
    report.rows.push(("sessions".into(), copy.finish(&mut buf).await?));
    progress("sessions", sizes.sessions as u64);

    // Messages, streamed session by session.
    let mut copy = CopyStream::start(conn, bulk::MESSAGES).await?;
    let mut written: u64 = 0;
    let showcase = showcase_index(&sessions);
    for (i, (s, gap)) in sessions.iter().zip(&gaps).enumerate() {
        let lead = &leads[s.lead];
        let demo = &demos[lead.demo];
        let convo = Conversation {
            industry: demo.industry,
            company: &demo.company,
            visitor: lead.name.clone(),
            special_rate: 0.03,
            showcase: Some(i) == showcase,
        };
        let mut t = s.created_at;
        // The message before (its time and id): a same-second one gets a
        // greater id, so a conversation reads in the order it was held.
        let mut before: Option<(DateTime<Utc>, Uuid)> = None;
        let with_system = Some(i) != showcase && rng.random_bool(0.3) && s.messages > 2;
        let mut last_user = String::new();
        for k in 0..s.messages {
            let (role, text) = if with_system && k == 0 {
                (
                    "system",
                    format!(
                        "Conversation started on the {} channel. Visitor locale and page context attached in metadata.",
                        s.channel
                    ),
                )
            } else {
                let turn = if with_system { k - 1 } else { k };
                if turn % 2 == 0 {
                    last_user = convo.user_turn(&mut rng, turn as usize / 2);
                    ("user", last_user.clone())
                } else {
                    ("assistant", convo.assistant_turn(&mut rng, &last_user))
                }
            };
            let tokens = content::token_estimate(&text);
            let meta = match role {
                "assistant" => format!(
                    r#"{{"model":"{}","latency_ms":{},"finish_reason":"stop","prompt_tokens":{},"completion_tokens":{}}}"#,
                    content::pick(&mut rng, content::MODELS),
                    rng.random_range(250..4000),
                    rng.random_range(200..3000),
                    tokens
                ),
                "user" => format!(r#"{{"client":"{}","page":"/pricing"}}"#, s.channel),
                _ => "{}".to_string(),
            };
            let mut id = uuid(&mut rng);
            // (Two draws on average; bounded all the same: past 64 the
            // tie is dropped instead, a second later.)
            for _ in 0..64 {
                if !before.is_some_and(|(at, prev)| at == t && id <= prev) {
                    break;
                }
                id = uuid(&mut rng);
            }
            if before.is_some_and(|(at, prev)| at == t && id <= prev) {
                t += Duration::seconds(1);
            }
            before = Some((t, id));
            buf.display(id).display(s.id).text(role).text(&text).ts(t).display(tokens).text(&meta);
            buf.end_row();
            // Same-second bursts happen in real logs; the id breaks the tie
            // (in the order they were written: see `before`).
            t += Duration::seconds(if rng.random_bool(0.05) { 0 } else { rng.random_range(1..(2 * gap).max(2)) });
            written += 1;
        }
        if buf.buf.len() >= bulk::BATCH_BYTES {
            copy.flush(&mut buf, false).await?;
            progress("messages", written);
        }
    }
    report.rows.push(("messages".into(), copy.finish(&mut buf).await?));
    progress("messages", written);

    // In the load's transaction: the audit row and the data commit together.
    let rows: serde_json::Map<String, serde_json::Value> =
        report.rows.iter().map(|(t, n)| (t.clone(), (*n).into())).collect();
    crate::db::audit::record(
        conn,
        &crate::db::audit::Change {
            action: "seed",
            entity: "database",
            key: "console data".into(),
            tenant: None,
            old: None,
            new: Some(serde_json::json!({ "seed": seed, "rows": rows })),
            reason: None,
        },
    )
    .await?;
    bulk::commit_load(conn).await?;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// The session whose user turns show every special text: the first one
/// long enough to hold them all, preferring one that is not a marathon.
fn showcase_index(sessions: &[SessionPlan]) -> Option<usize> {
    let needed = 2 * content::SHOWCASE_TURNS as u32;
    sessions
        .iter()
        .position(|s| s.messages >= needed && s.messages < 500)
        .or_else(|| sessions.iter().position(|s| s.messages >= needed))
}

fn nanoid(rng: &mut ChaCha8Rng) -> String {
    const ALPHABET: &[u8] = b"_-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    (0..21).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_counts_sum_exactly_and_skew() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let c = message_counts(&mut rng, 600, 15_000);
        assert_eq!(c.iter().map(|v| *v as u64).sum::<u64>(), 15_000);
        assert!(c.iter().all(|v| *v >= 1));
        assert!(*c.iter().max().unwrap() >= 1_000, "a marathon session exists");
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        assert_eq!(message_counts(&mut rng, 3, 3), vec![1, 1, 1]);
    }

    #[test]
    fn presets_are_valid() {
        for p in ["tiny", "small", "medium", "large"] {
            SeedSizes::preset(p).unwrap().validate().unwrap();
        }
        assert!(SeedSizes { tenants: 1, demos: 1, leads: 5, sessions: 2, messages: 10 }.validate().is_err());
    }

    #[test]
    fn slugs() {
        assert_eq!(slugify("Pixel & Pine Marketing"), "pixel-pine-marketing");
        assert_eq!(slugify("Tomás Müller"), "tomas-muller");
    }
}
