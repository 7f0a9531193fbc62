//! The bundled translations are complete: every `@tr(...)` sentence in `ui/` has a German and a Chinese
//! translation, with the same placeholders, and no translation is left over for a sentence that is gone.
//! A missing one would not fail the build: Slint silently shows the English text.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const LANGUAGES: [&str; 2] = ["de", "zh_CN"];

/// One sentence to translate: the English text, and its plural when it has one.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Source {
    singular: String,
    plural: Option<String>,
}

fn slint_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            slint_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "slint") {
            found.push(path);
        }
    }
}

/// A string literal starting at `text[0] == '"'`: its value and the rest of the text after it.
fn literal(text: &str) -> (String, &str) {
    let mut value = String::new();
    let mut chars = text.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return (value, &text[i + 1..]),
            '\\' => {
                let (_, escaped) = chars.next().expect("an escape ends the file");
                value.push(match escaped {
                    'n' => '\n',
                    other => other,
                });
            }
            other => value.push(other),
        }
    }
    panic!("unterminated string literal in {text:.40}");
}

/// Every `@tr("…")` and `@tr("…" | "…" % n)` in the UI.
fn sources() -> BTreeSet<Source> {
    let mut files = Vec::new();
    slint_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("ui"),
        &mut files,
    );
    let mut sources = BTreeSet::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (at, _) in text.match_indices("@tr(") {
            let rest = text[at + 4..].trim_start();
            assert!(
                rest.starts_with('"'),
                "{}: @tr without a literal",
                file.display()
            );
            let (singular, rest) = literal(rest);
            assert!(
                !rest.trim_start().starts_with("=>"),
                "{}: contexts are not used (one translation per sentence)",
                file.display()
            );
            let plural = rest
                .trim_start()
                .strip_prefix('|')
                .map(|p| literal(p.trim_start()).0);
            sources.insert(Source { singular, plural });
        }
    }
    sources
}

/// msgid → (msgid_plural, translations) from a `.po` file.
fn catalogue(language: &str) -> BTreeMap<String, (Option<String>, Vec<String>)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("lang")
        .join(language)
        .join("LC_MESSAGES/wooshpay-kiosk.po");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut entries = BTreeMap::new();
    let (mut id, mut plural, mut strs): (Option<String>, Option<String>, Vec<String>) =
        (None, None, Vec::new());
    let mut flush =
        |id: &mut Option<String>, plural: &mut Option<String>, strs: &mut Vec<String>| {
            if let Some(id) = id.take().filter(|id| !id.is_empty()) {
                entries.insert(id, (plural.take(), std::mem::take(strs)));
            }
            plural.take();
            strs.clear();
        };
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let (keyword, value) = line.split_once(' ').unwrap_or((line, ""));
        if keyword.starts_with('"') {
            // A continuation line of the previous string.
            let more = literal(line).0;
            match (strs.last_mut(), plural.as_mut(), id.as_mut()) {
                (Some(last), _, _) => last.push_str(&more),
                (None, Some(p), _) => p.push_str(&more),
                (None, None, Some(i)) => i.push_str(&more),
                _ => panic!("{}: stray line {line}", path.display()),
            }
            continue;
        }
        let value = literal(value.trim()).0;
        match keyword {
            "msgid" => {
                flush(&mut id, &mut plural, &mut strs);
                id = Some(value);
            }
            "msgid_plural" => plural = Some(value),
            k if k == "msgstr" || k.starts_with("msgstr[") => strs.push(value),
            other => panic!("{}: unexpected keyword {other}", path.display()),
        }
    }
    flush(&mut id, &mut plural, &mut strs);
    entries
}

/// `{}`, `{0}`, `{n}`: what the UI fills in. A translation must keep every one of them.
fn placeholders(text: &str) -> Vec<String> {
    let mut found: Vec<String> = text
        .match_indices('{')
        .filter_map(|(i, _)| {
            text[i..]
                .find('}')
                .map(|end| text[i..i + end + 1].to_owned())
        })
        .collect();
    found.sort();
    found
}

#[test]
fn every_sentence_is_translated_into_every_bundled_language() {
    let sources = sources();
    assert!(
        sources.len() > 80,
        "the UI's sentences were found ({} of them)",
        sources.len()
    );
    let mut problems = Vec::new();
    for language in LANGUAGES {
        let catalogue = catalogue(language);
        let nplurals = if language == "zh_CN" { 1 } else { 2 };
        for source in &sources {
            let Some((plural, translations)) = catalogue.get(&source.singular) else {
                problems.push(format!(
                    "{language}: no translation of {:?}",
                    source.singular
                ));
                continue;
            };
            if *plural != source.plural {
                problems.push(format!(
                    "{language}: {:?} has plural {plural:?}, the UI {:?}",
                    source.singular, source.plural
                ));
            }
            let expected = if source.plural.is_some() { nplurals } else { 1 };
            if translations.len() != expected || translations.iter().any(String::is_empty) {
                problems.push(format!(
                    "{language}: {:?} needs {expected} non-empty translation(s), has {translations:?}",
                    source.singular
                ));
            }
            for translation in translations {
                // A plural form may say "{n}" where the singular English did not need to.
                let wanted = placeholders(source.plural.as_deref().unwrap_or(&source.singular));
                if placeholders(translation) != wanted {
                    problems.push(format!(
                        "{language}: {translation:?} does not keep the placeholders {wanted:?}"
                    ));
                }
            }
        }
        let used: BTreeSet<&String> = sources.iter().map(|s| &s.singular).collect();
        for id in catalogue.keys().filter(|id| !used.contains(id)) {
            problems.push(format!("{language}: {id:?} is no longer in the UI"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
