//! Text for sample data: industries with their catalogues, and conversation
//! turns that read like real support and sales chats. Everything is picked
//! with the caller's seeded RNG, so a seed always yields the same data.

use rand::Rng;
use rand::seq::IndexedRandom;

pub struct Industry {
    pub name: &'static str,
    pub companies: &'static [&'static str],
    pub products: &'static [&'static str],
    pub offers: &'static [&'static str],
    pub criteria: &'static [&'static str],
    /// Things a customer asks about, each with the assistant's answer.
    pub topics: &'static [(&'static str, &'static str)],
}

pub const INDUSTRIES: &[Industry] = &[
    Industry {
        name: "Dental clinic",
        companies: &["Bright Smile Dental", "Maple Street Dentistry", "Harbor Family Dental", "Summit Orthodontics"],
        products: &[
            "Teeth cleaning",
            "Invisalign",
            "Dental implants",
            "Teeth whitening",
            "Emergency care",
            "Root canal therapy",
        ],
        offers: &[
            "Free whitening kit with new-patient exam",
            "$99 cleaning and X-rays",
            "0% financing on Invisalign for 12 months",
        ],
        criteria: &[
            "Has dental insurance or budget",
            "Lives within 20 miles",
            "Wants an appointment in the next 30 days",
        ],
        topics: &[
            (
                "Do you take Delta Dental insurance?",
                "Yes, we're in network with Delta Dental PPO. Most cleanings are covered at 100%; I can check your plan if you share your member ID at the visit.",
            ),
            (
                "How much is teeth whitening?",
                "In-office whitening is $349 and takes about 90 minutes. This month new patients also get a free take-home whitening kit with their exam.",
            ),
            (
                "I have a broken tooth and it hurts a lot",
                "I'm sorry to hear that. We keep same-day emergency slots every morning. Could you come in today at 11:30? Please avoid chewing on that side until then.",
            ),
            (
                "Can I book a cleaning next week?",
                "Of course. We have Tuesday at 9:00, Wednesday at 14:30 or Friday at 10:15. Which works best for you?",
            ),
            (
                "Is Invisalign painful?",
                "Most patients feel mild pressure for a day or two with each new aligner, nothing more. We offer a free consultation with a 3D scan so you can see the expected result first.",
            ),
        ],
    },
    Industry {
        name: "HVAC services",
        companies: &["Polar Air Heating & Cooling", "Comfort Pro HVAC", "Northwind Mechanical"],
        products: &["AC repair", "Furnace installation", "Heat pumps", "Duct cleaning", "Annual maintenance plan"],
        offers: &["$79 tune-up special", "Free second opinion on replacement quotes", "$500 off heat pump installs"],
        criteria: &["Homeowner", "System older than 10 years", "Service area zip code"],
        topics: &[
            (
                "My AC is blowing warm air",
                "That usually points to a refrigerant leak, a dirty filter or a failed capacitor. First, check that the filter isn't clogged and the thermostat is on COOL. If it still blows warm, I can send a technician today between 2 and 6 pm.",
            ),
            (
                "How much does a new furnace cost?",
                "Installed high-efficiency furnaces range from $4,200 to $7,800 depending on size and ductwork. We do free in-home estimates and there's a $500 rebate on heat pumps right now.",
            ),
            (
                "Do you service Carrier units?",
                "Yes, our technicians are factory-trained on Carrier, Trane, Lennox and Goodman. Parts for most models are on our trucks.",
            ),
            (
                "What's included in the maintenance plan?",
                "Two tune-ups a year (spring and fall), 15% off repairs, priority scheduling and no overtime charges. It's $18 a month.",
            ),
        ],
    },
    Industry {
        name: "Auto dealership",
        companies: &["Riverside Toyota", "Cascade Motors", "Metro Honda", "Lakeside Ford"],
        products: &["New vehicles", "Certified pre-owned", "Service & repairs", "Financing", "Trade-in appraisal"],
        offers: &["0.9% APR on select models", "$1,000 loyalty bonus", "Free oil changes for a year with purchase"],
        criteria: &["Timeline under 90 days", "Has trade-in", "Pre-approved or needs financing"],
        topics: &[
            (
                "Is the 2025 RAV4 hybrid in stock?",
                "We have three RAV4 Hybrid XLE units on the lot right now: silver, blue and white. Would you like to schedule a test drive?",
            ),
            (
                "What would my 2017 Civic be worth as a trade?",
                "It depends on mileage and condition, but 2017 Civics in good shape are trading between $11,000 and $14,500. Our appraisal takes 20 minutes and the offer is good for 7 days.",
            ),
            (
                "Do you offer financing for bad credit?",
                "Yes, we work with several lenders that specialise in rebuilding credit. Applying doesn't affect your score until you choose an offer.",
            ),
            (
                "When is the service department open?",
                "Service is open Monday to Friday 7:00–19:00 and Saturday 8:00–16:00. Loaner cars are available for repairs over two hours.",
            ),
        ],
    },
    Industry {
        name: "Real estate",
        companies: &["Keystone Realty Group", "Blue Door Properties", "Evergreen Homes"],
        products: &["Buyer representation", "Listing services", "Home valuation", "Property management"],
        offers: &["Free home valuation report", "1% listing fee for sellers who buy with us"],
        criteria: &["Pre-approved for a mortgage", "Buying within 6 months", "Price range set"],
        topics: &[
            (
                "What is my house worth?",
                "I can prepare a free valuation from recent sales nearby. Could you share the address, the number of bedrooms and any recent renovations?",
            ),
            (
                "Are there 3-bedroom homes under 450k downtown?",
                "There are currently 7 listings that match, most of them townhouses. I can send you the list and set up alerts for new ones.",
            ),
            (
                "What are your fees for selling?",
                "Our standard listing fee is 2.5%. If you buy your next home with us, the listing fee drops to 1%.",
            ),
        ],
    },
    Industry {
        name: "B2B SaaS",
        companies: &["Ledgerly", "ShiftBoard", "Quanta Analytics", "Relay CRM"],
        products: &["Starter plan", "Team plan", "Enterprise plan", "SSO & audit logs", "API access"],
        offers: &["14-day free trial", "20% off annual billing", "Free onboarding for teams over 25 seats"],
        criteria: &["Company size 10+", "Has budget authority", "Current tool contract ends within 6 months"],
        topics: &[
            (
                "Do you support SAML SSO?",
                "Yes, SAML 2.0 and OIDC are included on the Enterprise plan, with SCIM provisioning for Okta, Azure AD and Google Workspace.",
            ),
            (
                "Can I export my data if I leave?",
                "Always. Admins can export everything as CSV or JSON at any time, and the API exposes every object.",
            ),
            (
                "What's the price for 40 users?",
                "The Team plan is $12 per user per month billed annually, so $5,760 a year for 40 users. Teams over 25 seats get free guided onboarding.",
            ),
            (
                "We got a 500 error when calling /v2/invoices",
                "Sorry about that. We had elevated error rates on the invoices endpoint between 14:02 and 14:19 UTC; it's resolved now. Retrying the request should work, and idempotency keys make retries safe.",
            ),
        ],
    },
    Industry {
        name: "Restaurant",
        companies: &["Trattoria Nonna", "The Copper Pot", "Sakura Ramen House"],
        products: &["Dine-in", "Catering", "Private events", "Online ordering"],
        offers: &["Happy hour 4–6 pm", "10% off catering orders over $300"],
        criteria: &["Party size", "Event date", "Budget per guest"],
        topics: &[
            (
                "Do you have gluten-free options?",
                "Yes: our risotto, grilled fish and most salads are gluten-free, and we can make any pasta with gluten-free penne. Please tell your server about allergies.",
            ),
            (
                "Can I book a table for 8 on Saturday?",
                "We have a table for 8 at 18:00 or 20:30 this Saturday. Shall I reserve one under your name?",
            ),
            (
                "How much is catering for 50 people?",
                "Our buffet catering starts at $24 per guest, so about $1,200 for 50, with 10% off orders over $300. That includes setup and serving utensils.",
            ),
        ],
    },
    Industry {
        name: "Med spa",
        companies: &["Glow Aesthetics", "Luma Skin Studio", "Serene Med Spa"],
        products: &["Botox", "Dermal fillers", "Laser hair removal", "HydraFacial", "Chemical peels"],
        offers: &["$50 off your first HydraFacial", "Buy 5 laser sessions, get 1 free"],
        criteria: &["Over 18", "No contraindications", "Wants treatment within 60 days"],
        topics: &[
            (
                "How long does Botox last?",
                "Results typically last three to four months. The first treatment includes a free two-week follow-up to fine-tune the result.",
            ),
            (
                "Is laser hair removal safe for dark skin?",
                "Yes, we use an Nd:YAG laser that is safe for all skin types. A patch test at your consultation confirms the right settings.",
            ),
        ],
    },
    Industry {
        name: "Plumbing",
        companies: &["FlowRight Plumbing", "Anchor Plumbing & Drain", "Copperline Plumbers"],
        products: &["Drain cleaning", "Water heater repair", "Leak detection", "Repiping", "24/7 emergency service"],
        offers: &["$49 drain cleaning", "Free camera inspection with any repair"],
        criteria: &["Homeowner or property manager", "Urgency", "Within service area"],
        topics: &[
            (
                "Water is leaking under my kitchen sink",
                "Please turn off the shut-off valves under the sink (turn them clockwise) and put a bucket down. We can have a plumber there within 2 hours; emergency visits have no extra fee before 20:00.",
            ),
            (
                "My water heater makes a popping noise",
                "Popping usually means sediment build-up in the tank. A flush often fixes it; if the heater is over 10 years old, we'd also check the anode rod and the burner.",
            ),
        ],
    },
];

pub const FIRST_NAMES: &[&str] = &[
    "Maria", "James", "Aisha", "Wei", "Sofia", "Liam", "Priya", "Mateo", "Hannah", "Kenji", "Olga", "Diego", "Fatima",
    "Noah", "Chloé", "Yuki", "Amara", "Lucas", "Ines", "Tomás", "Zoë", "Omar", "Elena", "Jonas",
];
pub const LAST_NAMES: &[&str] = &[
    "Garcia",
    "Smith",
    "Khan",
    "Zhang",
    "Rossi",
    "Murphy",
    "Patel",
    "Fernández",
    "Müller",
    "Tanaka",
    "Ivanova",
    "Silva",
    "Okafor",
    "Johnson",
    "Dubois",
    "Sato",
    "Nguyen",
    "Kowalski",
    "Haddad",
    "Larsen",
];

pub const TENANT_NAMES: &[&str] = &[
    "Northstar Agency",
    "Pixel & Pine Marketing",
    "Acme Growth Partners",
    "Lumen Digital",
    "Bluefin Leads",
    "Crescent Media",
    "Orbit Sales Labs",
    "Harborline Consulting",
    "Tidewater Interactive",
    "Quill & Compass",
    "Redwood Demand Gen",
    "Sparrow Studio",
];

pub const MODELS: &[&str] = &[
    "openai/gpt-4o-mini",
    "anthropic/claude-3.5-haiku",
    "google/gemini-2.0-flash-001",
    "meta-llama/llama-3.3-70b-instruct",
];

const GREETINGS: &[&str] = &["Hi", "Hello", "Hey there", "Good morning", "hi!", "Hello, quick question", "Hey"];
const THANKS: &[&str] = &[
    "Thanks, that helps!",
    "Perfect, thank you.",
    "ok great",
    "Thank you so much 🙏",
    "Got it, thanks.",
    "Awesome 👍",
    "That works for me.",
];
const FOLLOW_UPS: &[&str] = &[
    "What are your opening hours?",
    "Is there parking nearby?",
    "Can I pay with a credit card?",
    "Do I need to bring anything?",
    "How long does it take?",
    "Can someone call me back?",
    "Is that price including tax?",
];
const FOLLOW_UP_ANSWERS: &[&str] = &[
    "We're open Monday to Friday 8:00–18:00 and Saturday 9:00–14:00.",
    "Yes, there's free parking behind the building and street parking on weekends.",
    "We accept all major credit cards, Apple Pay and Google Pay.",
    "Just a photo ID and, if you have one, your insurance card.",
    "Plan for about an hour, including a few minutes of paperwork.",
    "Of course. What's the best number and time to reach you?",
    "Prices include tax; there are no hidden fees.",
];

/// Unusual but real content the console must display safely and correctly.
const SPECIAL: &[&str] = &[
    // Hostile: terminal escape sequences and controls inside user text.
    "\x1b]2;owned\x07\x1b[2J",
    "my coupon code is \x1b[31mFREE100\x1b[0m \x07\x07 does it work",
    "pasted from terminal: \x1b[1;1H\x1b[2K$ curl -s api/status \x1bP1;2|x\x1b\\ \u{9b}31m done",
    "bidi trick \u{202E}gnp.exe\u{202C} and \u{2066}isolate\u{2069} test",
    // CJK and emoji.
    "こんにちは、予約を変更したいのですが、来週の火曜日は空いていますか？",
    "你好，请问周末营业吗？我想带孩子来看看。",
    "안녕하세요! 가격표를 받을 수 있을까요?",
    "Love it!!! 😍🎉🔥 see you Saturday 👨‍👩‍👧",
    "Can you confirm the booking? 📅✅ (party of 4 👨‍👩‍👧‍👦)",
];

fn long_line(rng: &mut impl Rng) -> String {
    // One very long line with no breaks: a pasted error log or order list.
    let mut s = String::from("Here is the full log from our side: ");
    let n = rng.random_range(40..120);
    for i in 0..n {
        s.push_str(&format!(
            "[req-{:05}] status=ok latency_ms={} path=/api/v2/orders/{} ",
            i,
            rng.random_range(5..900),
            rng.random_range(1000..99999)
        ));
    }
    s
}

pub fn pick<'a, T: ?Sized>(rng: &mut impl Rng, items: &'a [&'a T]) -> &'a T {
    items.choose(rng).expect("non-empty list")
}

pub fn person_name(rng: &mut impl Rng) -> String {
    format!("{} {}", pick(rng, FIRST_NAMES), pick(rng, LAST_NAMES))
}

pub fn system_prompt(company: &str, industry: &Industry, mission: &str, offers: &[String]) -> String {
    format!(
        "You are the virtual assistant of {company}, a {} business. Your mission is {mission}: \
         greet visitors warmly, answer questions about {} using only the facts you were given, and \
         guide qualified visitors towards booking.\n\nCurrent offers:\n{}\n\nRules:\n- Never invent prices, \
         availability or medical/legal advice.\n- If you are unsure, offer a call back from the team.\n- Keep \
         answers under 80 words and in the visitor's language.",
        industry.name.to_lowercase(),
        industry.products.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
        offers.iter().map(|o| format!("- {o}")).collect::<Vec<_>>().join("\n"),
    )
}

/// Rough token count (≈ 4 characters a token, at least one per word).
pub fn token_estimate(s: &str) -> i32 {
    let chars = s.chars().count() as i32;
    let words = s.split_whitespace().count() as i32;
    (chars / 4).max(words).max(1)
}

/// Generates the text of message `i` of a conversation, alternating user and
/// assistant after an optional system message.
pub struct Conversation<'a> {
    pub industry: &'a Industry,
    pub company: &'a str,
    pub visitor: Option<String>,
    pub special_rate: f64,
    /// The showcase conversation: its first user turns are every special
    /// text in order (hostile, CJK, emoji), then a very long line.
    pub showcase: bool,
}

/// Number of user turns the showcase conversation spends on special texts.
pub const SHOWCASE_TURNS: usize = SPECIAL.len() + 1;

pub fn special_texts() -> &'static [&'static str] {
    SPECIAL
}

impl Conversation<'_> {
    pub fn user_turn(&self, rng: &mut impl Rng, turn: usize) -> String {
        if self.showcase && turn < SPECIAL.len() {
            return SPECIAL[turn].to_string();
        }
        if self.showcase && turn == SPECIAL.len() {
            return long_line(rng);
        }
        if rng.random_bool(self.special_rate) {
            if rng.random_bool(0.15) {
                return long_line(rng);
            }
            return pick(rng, SPECIAL).to_string();
        }
        match turn {
            0 => {
                let (q, _) = self.industry.topics.choose(rng).unwrap();
                match &self.visitor {
                    Some(name) if rng.random_bool(0.4) => {
                        format!("{} This is {}. {}", pick(rng, GREETINGS), name.split(' ').next().unwrap_or(name), q)
                    }
                    _ => format!("{} {}", pick(rng, GREETINGS), q),
                }
            }
            _ => match rng.random_range(0..10) {
                0..=3 => self.industry.topics.choose(rng).unwrap().0.to_string(),
                4..=6 => pick(rng, FOLLOW_UPS).to_string(),
                _ => pick(rng, THANKS).to_string(),
            },
        }
    }

    pub fn assistant_turn(&self, rng: &mut impl Rng, user_text: &str) -> String {
        if let Some((_, a)) = self.industry.topics.iter().find(|(q, _)| user_text.ends_with(q)) {
            return a.to_string();
        }
        if let Some(i) = FOLLOW_UPS.iter().position(|f| *f == user_text) {
            return FOLLOW_UP_ANSWERS[i].to_string();
        }
        if THANKS.contains(&user_text) {
            return pick(
                rng,
                &[
                    "You're welcome! Anything else I can help with?",
                    "Happy to help. Have a great day!",
                    "Anytime! We look forward to seeing you.",
                ],
            )
            .to_string();
        }
        if user_text.chars().any(|c| ('\u{3040}'..='\u{30FF}').contains(&c)) {
            return "かしこまりました。来週の火曜日は10時と15時が空いています。どちらがよろしいですか？".into();
        }
        if user_text.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)) {
            return "您好！我们周末营业，周六9点到14点。欢迎带孩子来！".into();
        }
        if user_text.chars().any(|c| ('\u{AC00}'..='\u{D7AF}').contains(&c)) {
            return "안녕하세요! 가격표를 이메일로 보내드릴게요. 이메일 주소를 알려주시겠어요?".into();
        }
        format!(
            "Thanks for your message! At {} we can help with {}. Would you like me to check availability or have someone from the team contact you?",
            self.company,
            self.industry.products.choose(rng).unwrap().to_lowercase()
        )
    }
}
