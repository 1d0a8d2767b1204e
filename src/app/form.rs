//! A form of labelled fields (text, number, choice) with focus, key
//! handling and validation, shared by every dialog that asks for values
//! (the new-knowledge-base form now; the limits editor next). A dialog owns
//! a `Form`, reads its values, and checks what only it knows.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui_textarea::TextArea;

/// What one field holds.
pub enum FieldValue {
    Text(TextArea<'static>),
    /// An integer typed as text, checked against its bounds on submit.
    Number {
        input: TextArea<'static>,
        min: i64,
        max: i64,
        optional: bool,
    },
    /// One of `options`, chosen with ←/→ (or space).
    Choice {
        options: Vec<String>,
        selected: usize,
    },
}

pub struct Field {
    pub label: &'static str,
    pub value: FieldValue,
    /// Shown instead of the value, not editable and skipped by the focus
    /// (e.g. the model of the local provider, which is fixed).
    pub fixed: Option<String>,
}

impl Field {
    pub fn text(label: &'static str, initial: &str) -> Field {
        Field { label, value: FieldValue::Text(super::one_line_input(initial)), fixed: None }
    }
    pub fn number(label: &'static str, initial: &str, min: i64, max: i64, optional: bool) -> Field {
        Field {
            label,
            value: FieldValue::Number { input: super::one_line_input(initial), min, max, optional },
            fixed: None,
        }
    }
    pub fn choice(label: &'static str, options: &[&str], selected: usize) -> Field {
        let options: Vec<String> = options.iter().map(|o| o.to_string()).collect();
        let selected = selected.min(options.len().saturating_sub(1));
        Field { label, value: FieldValue::Choice { options, selected }, fixed: None }
    }
}

/// What a key did to the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormEvent {
    /// Enter: the caller validates and submits.
    Submit,
    /// Esc.
    Cancel,
    /// A value or the focus changed.
    Changed,
}

pub struct Form {
    pub fields: Vec<Field>,
    pub focus: usize,
    /// What was wrong with the last submit (cleared by the next key).
    pub error: Option<String>,
}

impl Form {
    pub fn new(fields: Vec<Field>) -> Form {
        Form { fields, focus: 0, error: None }
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> FormEvent {
        let back =
            key.code == KeyCode::BackTab || (key.code == KeyCode::Tab && key.modifiers.contains(KeyModifiers::SHIFT));
        match key.code {
            KeyCode::Esc => return FormEvent::Cancel,
            KeyCode::Enter => return FormEvent::Submit,
            _ if back || key.code == KeyCode::Up => self.step_focus(-1),
            KeyCode::Tab | KeyCode::Down => self.step_focus(1),
            _ => {
                let Some(field) = self.fields.get_mut(self.focus) else { return FormEvent::Changed };
                match &mut field.value {
                    FieldValue::Text(t) | FieldValue::Number { input: t, .. } => type_into(t, key),
                    FieldValue::Choice { options, selected } => {
                        let step: isize = match key.code {
                            KeyCode::Left => -1,
                            KeyCode::Right | KeyCode::Char(' ') => 1,
                            _ => 0,
                        };
                        let n = options.len().max(1) as isize;
                        *selected = (*selected as isize + step).rem_euclid(n) as usize;
                    }
                }
            }
        }
        self.error = None;
        FormEvent::Changed
    }

    /// Moves the focus by `step`, over fixed fields.
    fn step_focus(&mut self, step: isize) {
        let n = self.fields.len() as isize;
        for _ in 0..n {
            self.focus = (self.focus as isize + step).rem_euclid(n) as usize;
            if self.fields[self.focus].fixed.is_none() {
                break;
            }
        }
    }

    /// The trimmed text of field `i` (text or number).
    pub fn text(&self, i: usize) -> String {
        match &self.fields[i].value {
            FieldValue::Text(t) | FieldValue::Number { input: t, .. } => t.lines().join(" ").trim().to_string(),
            FieldValue::Choice { options, selected } => options.get(*selected).cloned().unwrap_or_default(),
        }
    }

    /// The index chosen in choice field `i`.
    pub fn choice(&self, i: usize) -> usize {
        match &self.fields[i].value {
            FieldValue::Choice { selected, .. } => *selected,
            _ => 0,
        }
    }

    /// The integer in number field `i`: `None` when it is optional and
    /// empty, an error naming the field and its bounds otherwise.
    pub fn number(&self, i: usize) -> Result<Option<i64>, String> {
        let field = &self.fields[i];
        let FieldValue::Number { min, max, optional, .. } = &field.value else {
            return Err(format!("{} is not a number field", field.label));
        };
        let text = self.text(i);
        if text.is_empty() {
            return if *optional { Ok(None) } else { Err(format!("{}: enter a number", field.label.to_lowercase())) };
        }
        match text.parse::<i64>() {
            Ok(v) if (*min..=*max).contains(&v) => Ok(Some(v)),
            _ => Err(format!("{}: '{text}' is not a whole number from {min} to {max}", field.label.to_lowercase())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(form: &mut Form, code: KeyCode) -> FormEvent {
        form.handle_key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn form() -> Form {
        let mut fixed = Field::text("Fixed", "");
        fixed.fixed = Some("cannot change".into());
        Form::new(vec![
            Field::text("Name", ""),
            Field::choice("Kind", &["a", "b", "c"], 0),
            fixed,
            Field::number("Limit", "", 0, 1000, false),
        ])
    }

    #[test]
    fn keys_type_choose_and_skip_fixed_fields() {
        let mut f = form();
        for c in "acme".chars() {
            press(&mut f, KeyCode::Char(c));
        }
        assert_eq!(f.text(0), "acme");
        press(&mut f, KeyCode::Tab);
        press(&mut f, KeyCode::Left);
        assert_eq!(f.choice(1), 2, "← wraps around");
        press(&mut f, KeyCode::Tab);
        assert_eq!(f.focus, 3, "the fixed field is skipped");
        press(&mut f, KeyCode::BackTab);
        assert_eq!(f.focus, 1);
        assert_eq!(press(&mut f, KeyCode::Enter), FormEvent::Submit);
        assert_eq!(press(&mut f, KeyCode::Esc), FormEvent::Cancel);
    }

    #[test]
    fn ctrl_u_clears_a_field_to_its_start_as_in_a_shell() {
        let mut f = form();
        for c in "acme".chars() {
            press(&mut f, KeyCode::Char(c));
        }
        press(&mut f, KeyCode::Backspace);
        f.handle_key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
        assert_eq!(f.text(0), "", "cleared, not the backspace undone");
        press(&mut f, KeyCode::Char('x'));
        assert_eq!(f.text(0), "x");
    }

    #[test]
    fn numbers_are_checked_against_their_bounds() {
        let mut f = form();
        f.focus = 3;
        assert!(f.number(3).unwrap_err().contains("enter a number"));
        for c in "1001".chars() {
            press(&mut f, KeyCode::Char(c));
        }
        assert!(f.number(3).unwrap_err().contains("from 0 to 1000"));
        press(&mut f, KeyCode::Backspace);
        assert_eq!(f.number(3).unwrap(), Some(100));
        for _ in 0..3 {
            press(&mut f, KeyCode::Backspace);
        }
        press(&mut f, KeyCode::Char('-'));
        press(&mut f, KeyCode::Char('5'));
        assert!(f.number(3).is_err(), "below the minimum");
    }
}

/// A key typed into a text field: ctrl-u clears to the start, as in a
/// shell (the text area's own ctrl-u is undo, which surprised people).
pub fn type_into(t: &mut TextArea<'static>, key: KeyEvent) {
    if key.code == KeyCode::Char('u') && key.modifiers.contains(KeyModifiers::CONTROL) {
        t.delete_line_by_head();
    } else {
        t.input(key);
    }
}
