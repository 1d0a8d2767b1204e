//! Path completion for the upload prompt. It reads directories, so the
//! console runs it as a task (the runner), never inside `update`.

/// Completes the last word of `input` as a path: to the only match (a
/// directory gets its `/`), else to the longest common prefix of the
/// matches, which are returned for display.
pub fn complete_path(input: &str) -> (String, Vec<String>) {
    // The last word starts after the last space outside quotes.
    let mut split = 0;
    let mut quoted = false;
    for (i, c) in input.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => split = i + 1,
            _ => {}
        }
    }
    let (head, word) = input.split_at(split);
    let expanded = expand_home(&word.replace('"', ""));
    // A path with a space is quoted, as `parse_paths` expects.
    let quote = |p: String| if p.contains(' ') { format!("\"{p}\"") } else { p };
    let (dir, prefix) = match expanded.rfind('/') {
        Some(i) => (expanded[..=i].to_string(), expanded[i + 1..].to_string()),
        None => (String::new(), expanded.clone()),
    };
    let read_from = if dir.is_empty() { ".".to_string() } else { dir.clone() };
    let Ok(entries) = std::fs::read_dir(&read_from) else { return (input.to_string(), Vec::new()) };
    let mut matches: Vec<(String, bool)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let hidden_ok = prefix.starts_with('.') || !name.starts_with('.');
            (name.starts_with(&prefix) && hidden_ok).then(|| (name, e.path().is_dir()))
        })
        .collect();
    matches.sort();
    match matches.len() {
        0 => (input.to_string(), Vec::new()),
        1 => {
            let (name, is_dir) = &matches[0];
            (format!("{head}{}", quote(format!("{dir}{name}{}", if *is_dir { "/" } else { "" }))), Vec::new())
        }
        _ => {
            let first = &matches[0].0;
            let common = matches.iter().fold(first.len(), |n, (m, _)| {
                first
                    .chars()
                    .zip(m.chars())
                    .take_while(|(a, b)| a == b)
                    .map(|(a, _)| a.len_utf8())
                    .sum::<usize>()
                    .min(n)
            });
            let names = matches.iter().map(|(n, d)| format!("{n}{}", if *d { "/" } else { "" })).collect();
            (format!("{head}{}", quote(format!("{dir}{}", &first[..common]))), names)
        }
    }
}

/// `~/…` as a path under $HOME.
pub fn expand_home(p: &str) -> String {
    match (p.strip_prefix("~/"), std::env::var("HOME")) {
        (Some(rest), Ok(home)) => format!("{home}/{rest}"),
        _ => p.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_paths() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("docs")).unwrap();
        std::fs::write(dir.path().join("faq-one.md"), "x").unwrap();
        std::fs::write(dir.path().join("faq-two.md"), "x").unwrap();
        let base = format!("{}/", dir.path().display());
        assert_eq!(complete_path(&format!("{base}do")).0, format!("{base}docs/"));
        let (c, names) = complete_path(&format!("a.txt {base}fa"));
        assert_eq!(c, format!("a.txt {base}faq-"));
        assert_eq!(names, vec!["faq-one.md", "faq-two.md"]);
        assert_eq!(complete_path(&format!("{base}zz")).0, format!("{base}zz"));
        // Names with spaces come back quoted, and quoted words complete.
        std::fs::write(dir.path().join("price list.pdf"), "x").unwrap();
        let quoted = format!("\"{base}price list.pdf\"");
        assert_eq!(complete_path(&format!("{base}pr")).0, quoted);
        assert_eq!(complete_path(&format!("\"{base}price l")).0, quoted);
        assert_eq!(crate::app::documents::parse_paths(&quoted), vec![dir.path().join("price list.pdf")]);
    }
}
