//! Themes: semantic colour roles, built-in theme files embedded from
//! `themes/`, user theme files (`<config dir>/themes/NAME.toml`) merged over
//! the built-in of the same name (or over `dark`), and `NO_COLOR`.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};

const BUILTIN: &[(&str, &str)] = &[
    ("dark", include_str!("../themes/dark.toml")),
    ("light", include_str!("../themes/light.toml")),
    ("ansi16", include_str!("../themes/ansi16.toml")),
];

pub fn builtin_names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(n, _)| *n).collect()
}

macro_rules! roles {
    ($($role:ident),* $(,)?) => {
        /// Colours by role, never by place: panes ask for `selection_bg`, not "blue".
        #[derive(Debug, Clone, PartialEq)]
        pub struct Theme {
            pub name: String,
            /// No colours at all (NO_COLOR): emphasis through modifiers only.
            pub monochrome: bool,
            $(pub $role: Color,)*
        }

        const ROLE_NAMES: &[&str] = &[$(stringify!($role)),*];

        impl Theme {
            fn set(&mut self, role: &str, c: Color) -> bool {
                match role {
                    $(stringify!($role) => { self.$role = c; true })*
                    _ => false,
                }
            }
            /// Every role's colour.
            fn colours(&self) -> Vec<Color> {
                vec![$(self.$role),*]
            }
            fn blank(name: &str) -> Theme {
                Theme { name: name.into(), monochrome: false, $($role: Color::Reset,)* }
            }
        }
    };
}

roles!(
    fg,
    bg,
    dim,
    accent,
    border,
    border_focus,
    title,
    tab_active_fg,
    tab_active_bg,
    selection_fg,
    selection_bg,
    status_fg,
    status_bg,
    error,
    warning,
    ok,
    badge_fg,
    badge_bg,
    role_system,
    role_user,
    role_assistant,
    match_fg,
    match_bg,
);

fn parse_file(text: &str) -> Result<BTreeMap<String, String>, String> {
    toml::from_str::<BTreeMap<String, String>>(text).map_err(|e| e.to_string())
}

fn apply(theme: &mut Theme, map: &BTreeMap<String, String>, origin: &str, warnings: &mut Vec<String>) {
    for (role, value) in map {
        match Color::from_str(value.trim().strip_prefix("i:").unwrap_or(value.trim())) {
            Ok(c) => {
                if !theme.set(role, c) {
                    warnings.push(format!("theme {origin}: unknown role '{role}' (roles: {})", ROLE_NAMES.join(", ")));
                }
            }
            Err(_) => warnings.push(format!("theme {origin}: '{role}' has an invalid colour '{value}'")),
        }
    }
}

impl Theme {
    pub fn builtin(name: &str) -> Option<Theme> {
        let (_, text) = BUILTIN.iter().find(|(n, _)| *n == name)?;
        let mut t = Theme::blank(name);
        let map = parse_file(text).expect("built-in themes parse");
        let mut w = Vec::new();
        apply(&mut t, &map, name, &mut w);
        debug_assert!(w.is_empty(), "{w:?}");
        Some(t)
    }

    pub fn default_dark() -> Theme {
        Theme::builtin("dark").expect("dark theme is built in")
    }

    /// Loads the named theme: the built-in one, with a user file of the same
    /// name from `themes_dir` merged over it. Problems become warnings.
    pub fn load(name: &str, themes_dir: &Path, no_color: bool, warnings: &mut Vec<String>) -> Theme {
        let mut theme = Theme::builtin(name).unwrap_or_else(Theme::default_dark);
        theme.name = name.to_string();
        let user_path = themes_dir.join(format!("{name}.toml"));
        match std::fs::read_to_string(&user_path) {
            Ok(text) => match parse_file(&text) {
                Ok(map) => apply(&mut theme, &map, &user_path.display().to_string(), warnings),
                Err(e) => warnings.push(format!("theme {}: {} (using built-in)", user_path.display(), e.trim())),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if Theme::builtin(name).is_none() {
                    warnings.push(format!(
                        "no theme named '{name}' (built in: {}; or add {}); using dark",
                        builtin_names().join(", "),
                        user_path.display()
                    ));
                    theme = Theme::default_dark();
                }
            }
            Err(e) => warnings.push(format!("theme {}: {e}", user_path.display())),
        }
        if no_color {
            theme = Theme::monochrome();
        }
        theme
    }

    /// The NO_COLOR theme: terminal default colours, emphasis by modifiers.
    pub fn monochrome() -> Theme {
        let mut t = Theme::blank("no-color");
        t.monochrome = true;
        t
    }

    pub fn base(&self) -> Style {
        Style::default().fg(self.fg).bg(self.bg)
    }
    pub fn dim(&self) -> Style {
        if self.monochrome { Style::default().add_modifier(Modifier::DIM) } else { Style::default().fg(self.dim) }
    }
    pub fn accent(&self) -> Style {
        if self.monochrome { Style::default().add_modifier(Modifier::BOLD) } else { Style::default().fg(self.accent) }
    }
    pub fn title(&self) -> Style {
        Style::default().fg(self.title).add_modifier(Modifier::BOLD)
    }
    pub fn border(&self, focused: bool) -> Style {
        Style::default().fg(if focused { self.border_focus } else { self.border })
    }
    pub fn selection(&self) -> Style {
        if self.monochrome {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().fg(self.selection_fg).bg(self.selection_bg).add_modifier(Modifier::BOLD)
        }
    }
    pub fn tab_active(&self) -> Style {
        if self.monochrome {
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::default().fg(self.tab_active_fg).bg(self.tab_active_bg).add_modifier(Modifier::BOLD)
        }
    }
    pub fn status(&self) -> Style {
        if self.monochrome {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().fg(self.status_fg).bg(self.status_bg)
        }
    }
    pub fn error(&self) -> Style {
        Style::default().fg(self.error).add_modifier(Modifier::BOLD)
    }
    pub fn warning(&self) -> Style {
        Style::default().fg(self.warning)
    }
    pub fn ok(&self) -> Style {
        Style::default().fg(self.ok)
    }
    pub fn badge(&self) -> Style {
        if self.monochrome {
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::default().fg(self.badge_fg).bg(self.badge_bg).add_modifier(Modifier::BOLD)
        }
    }
    pub fn matched(&self) -> Style {
        if self.monochrome {
            Style::default().add_modifier(Modifier::REVERSED | Modifier::UNDERLINED)
        } else {
            Style::default().fg(self.match_fg).bg(self.match_bg)
        }
    }
    pub fn role(&self, role: &str) -> Style {
        let c = match role {
            "system" => self.role_system,
            "user" => self.role_user,
            "assistant" => self.role_assistant,
            _ => self.dim,
        };
        Style::default().fg(c).add_modifier(Modifier::BOLD)
    }
}

/// The 16 ANSI colours as xterm draws them, for mapping brand colours.
const ANSI16: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

impl Theme {
    /// A 16-colour theme (every role a named ANSI colour, as `ansi16`):
    /// nothing it draws may need more colours than that.
    pub fn sixteen_colours(&self) -> bool {
        self.colours().iter().all(|c| !matches!(c, Color::Rgb(..) | Color::Indexed(_)))
    }

    /// A colour from the data (a demo's brand colour) as this theme can
    /// show it: the nearest of the 16 ANSI colours on a 16-colour theme.
    pub fn data_colour(&self, c: Color) -> Color {
        match c {
            Color::Rgb(r, g, b) if self.sixteen_colours() => {
                let d = |(x, y, z): (u8, u8, u8)| {
                    let (dr, dg, db) = (r as i32 - x as i32, g as i32 - y as i32, b as i32 - z as i32);
                    dr * dr + dg * dg + db * db
                };
                ANSI16.iter().min_by_key(|(_, rgb)| d(*rgb)).map(|(c, _)| *c).unwrap_or(c)
            }
            other => other,
        }
    }
}

/// Parses a user-supplied colour (demo brand colours) for a swatch.
pub fn parse_hex_colour(s: &str) -> Option<Color> {
    let h = s.trim().strip_prefix('#')?;
    if h.len() != 6 || !h.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let v = u32::from_str_radix(h, 16).ok()?;
    Some(Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_define_every_role() {
        for name in builtin_names() {
            let text = BUILTIN.iter().find(|(n, _)| *n == name).unwrap().1;
            let map = parse_file(text).unwrap();
            for role in ROLE_NAMES {
                assert!(map.contains_key(*role), "{name} lacks {role}");
            }
            let mut w = Vec::new();
            apply(&mut Theme::blank(name), &map, name, &mut w);
            assert!(w.is_empty(), "{w:?}");
        }
    }

    #[test]
    fn brand_colours_on_a_16_colour_theme_are_16_colours() {
        let ansi = Theme::builtin("ansi16").unwrap();
        assert!(ansi.sixteen_colours());
        assert_eq!(ansi.data_colour(Color::Rgb(0x25, 0x63, 0xEB)), Color::LightBlue);
        assert_eq!(ansi.data_colour(Color::Rgb(0, 0, 200)), Color::Blue);
        assert_eq!(ansi.data_colour(Color::Rgb(250, 250, 250)), Color::White);
        let dark = Theme::default_dark();
        assert!(!dark.sixteen_colours());
        assert_eq!(dark.data_colour(Color::Rgb(1, 2, 3)), Color::Rgb(1, 2, 3));
    }

    #[test]
    fn ansi16_uses_only_the_16_colours() {
        let t = Theme::builtin("ansi16").unwrap();
        let text = BUILTIN.iter().find(|(n, _)| *n == "ansi16").unwrap().1;
        for (_, v) in parse_file(text).unwrap() {
            let c = Color::from_str(&v).unwrap();
            assert!(!matches!(c, Color::Rgb(..) | Color::Indexed(_)), "{v}");
        }
        assert_eq!(t.accent, Color::Cyan);
    }

    #[test]
    fn user_file_merges_and_bad_file_falls_back() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("dark.toml"),
            "accent = \"#ff0000\"\nnot_a_role = \"red\"\nerror = \"notacolour\"",
        )
        .unwrap();
        let mut w = Vec::new();
        let t = Theme::load("dark", dir.path(), false, &mut w);
        assert_eq!(t.accent, Color::Rgb(255, 0, 0));
        assert_eq!(t.fg, Theme::default_dark().fg, "unset roles keep the built-in value");
        assert_eq!(w.len(), 2, "{w:?}");

        std::fs::write(dir.path().join("light.toml"), "[[[ broken").unwrap();
        let mut w = Vec::new();
        let t = Theme::load("light", dir.path(), false, &mut w);
        assert_eq!(t, Theme::builtin("light").unwrap());
        assert_eq!(w.len(), 1);

        let mut w = Vec::new();
        let t = Theme::load("nope", dir.path(), false, &mut w);
        assert_eq!(t.accent, Theme::default_dark().accent);
        assert!(w[0].contains("no theme named"));
    }

    #[test]
    fn no_color_is_monochrome() {
        let t = Theme::load("dark", Path::new("/nonexistent"), true, &mut Vec::new());
        assert!(t.monochrome);
        assert_eq!(t.selection().bg, None);
    }

    #[test]
    fn hex_colours() {
        assert_eq!(parse_hex_colour("#2563EB"), Some(Color::Rgb(0x25, 0x63, 0xEB)));
        assert_eq!(parse_hex_colour("blue"), None);
        assert_eq!(parse_hex_colour("#12345"), None);
    }
}
