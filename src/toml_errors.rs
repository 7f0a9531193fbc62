//! Turning TOML errors into messages that name the file, line and key — without quoting the line itself,
//! which might hold a secret someone pasted into the wrong file.

use std::path::Path;

pub(crate) fn describe(file: &Path, source: &str, error: &toml::de::Error) -> String {
    let message = error.message().trim_end();
    match error.span() {
        Some(span) => {
            let (line, column) = line_and_column(source, span.start);
            match key_on_line(source, span.start) {
                Some(key) => format!(
                    "{}: line {line}, column {column} (key `{key}`): {message}",
                    file.display()
                ),
                None => format!(
                    "{}: line {line}, column {column}: {message}",
                    file.display()
                ),
            }
        }
        None => format!("{}: {message}", file.display()),
    }
}

fn line_and_column(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset.min(source.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn key_on_line(source: &str, offset: usize) -> Option<String> {
    let start = source[..offset.min(source.len())]
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let line = source[start..].lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    (!key.is_empty() && !key.starts_with('#')).then(|| key.to_owned())
}
