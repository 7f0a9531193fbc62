//! The languages the kiosk speaks (`[display] language`) and how each writes amounts of money.
//!
//! The sentences themselves live in the `.slint` files behind `@tr` and are translated in `lang/`; this module
//! only names the languages and holds their number conventions, which Slint's translations do not cover.

use std::sync::atomic::{AtomicU8, Ordering};

use crate::money::{Money, NumberStyle};

/// A language with a bundled translation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Language {
    #[default]
    English,
    SimplifiedChinese,
    German,
}

impl Language {
    /// In the order the staff screen's language button cycles through them.
    pub const ALL: [Language; 3] = [
        Language::English,
        Language::SimplifiedChinese,
        Language::German,
    ];

    /// The value of `[display] language`: a BCP 47 tag.
    pub fn code(self) -> &'static str {
        match self {
            Language::English => "en",
            Language::SimplifiedChinese => "zh-CN",
            Language::German => "de",
        }
    }

    /// Accepts the BCP 47 tag in any case, and the gettext spelling (`zh_CN`) people copy from locales.
    pub fn from_code(code: &str) -> Option<Self> {
        let normalized = code.trim().replace('_', "-").to_ascii_lowercase();
        match normalized.as_str() {
            "en" | "en-gb" | "en-us" => Some(Language::English),
            "zh-cn" | "zh-hans" | "zh-hans-cn" | "zh" => Some(Language::SimplifiedChinese),
            "de" | "de-de" | "de-at" | "de-ch" => Some(Language::German),
            _ => None,
        }
    }

    /// The folder under `lang/` holding the translation; empty for English, the language of the source.
    pub fn translation(self) -> &'static str {
        match self {
            Language::English => "",
            Language::SimplifiedChinese => "zh_CN",
            Language::German => "de",
        }
    }

    /// The language's name for itself, so that someone who reads only that language can find it.
    pub fn native_name(self) -> &'static str {
        match self {
            Language::English => "English",
            Language::SimplifiedChinese => "简体中文",
            Language::German => "Deutsch",
        }
    }

    /// A label short enough for a button beside four others.
    pub fn short_label(self) -> &'static str {
        match self {
            Language::English => "EN",
            Language::SimplifiedChinese => "中文",
            Language::German => "DE",
        }
    }

    pub fn next(self) -> Self {
        let index = Self::ALL.iter().position(|l| *l == self).unwrap_or(0);
        Self::ALL[(index + 1) % Self::ALL.len()]
    }

    /// How amounts are written: `£1,234.50` in English and Chinese, `1.234,50 £` in German.
    pub fn number_style(self) -> NumberStyle {
        match self {
            Language::English | Language::SimplifiedChinese => NumberStyle::ENGLISH,
            Language::German => NumberStyle::GERMAN,
        }
    }

    /// A day and a time for the staff screen (`strftime`): month names are English in `jiff`, so the other
    /// languages write the month as a number, as they usually do.
    pub fn day_and_time_pattern(self) -> &'static str {
        match self {
            Language::English => "%d %b %H:%M",
            Language::SimplifiedChinese => "%-m月%-d日 %H:%M",
            Language::German => "%d.%m. %H:%M",
        }
    }

    /// The date and time on a receipt (`strftime`), with the year: a receipt is kept.
    pub fn receipt_time_pattern(self) -> &'static str {
        match self {
            Language::English => "%d %b %Y %H:%M",
            Language::SimplifiedChinese => "%Y年%-m月%-d日 %H:%M",
            Language::German => "%d.%m.%Y %H:%M",
        }
    }

    pub fn format_money(self, money: Money) -> String {
        money.format_with(self.number_style())
    }

    /// The codes `[display] language` accepts, for error messages.
    pub fn supported_codes() -> String {
        Self::ALL
            .iter()
            .map(|l| format!("\"{}\"", l.code()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

// The UI thread is the only writer; a process-wide setting like Slint's own translation selection.
static CURRENT: AtomicU8 = AtomicU8::new(0);

/// The language the UI speaks now.
pub fn current() -> Language {
    Language::ALL
        .get(usize::from(CURRENT.load(Ordering::Relaxed)))
        .copied()
        .unwrap_or_default()
}

/// Records the language the UI switched to (the UI adapter also selects Slint's translation).
pub fn set_current(language: Language) {
    let index = Language::ALL
        .iter()
        .position(|l| *l == language)
        .unwrap_or(0);
    CURRENT.store(index as u8, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    fn money(amount: i64, code: &str) -> Money {
        Money::new(amount, Currency::from_code(code).unwrap())
    }

    #[test]
    fn parses_the_codes_people_write() {
        assert_eq!(Language::from_code("de"), Some(Language::German));
        assert_eq!(
            Language::from_code("zh-CN"),
            Some(Language::SimplifiedChinese)
        );
        assert_eq!(
            Language::from_code("zh_CN"),
            Some(Language::SimplifiedChinese)
        );
        assert_eq!(Language::from_code(" EN "), Some(Language::English));
        assert_eq!(Language::from_code("fr"), None);
        assert_eq!(Language::from_code("zh-TW"), None, "no traditional Chinese");
        for language in Language::ALL {
            assert_eq!(Language::from_code(language.code()), Some(language));
        }
    }

    #[test]
    fn cycles_through_every_language() {
        let mut seen = vec![Language::English];
        let mut language = Language::English.next();
        while language != Language::English {
            seen.push(language);
            language = language.next();
        }
        assert_eq!(seen, Language::ALL);
    }

    #[test]
    fn money_follows_each_languages_conventions() {
        let german = Language::German;
        assert_eq!(german.format_money(money(123456, "EUR")), "1.234,56\u{a0}€");
        assert_eq!(german.format_money(money(-250, "GBP")), "-2,50\u{a0}£");
        assert_eq!(german.format_money(money(500, "JPY")), "500\u{a0}¥");
        assert_eq!(german.format_money(money(3125, "KWD")), "3,125\u{a0}KWD");
        let chinese = Language::SimplifiedChinese;
        assert_eq!(chinese.format_money(money(1250, "CNY")), "¥12.50");
        assert_eq!(chinese.format_money(money(123456, "GBP")), "£1,234.56");
        assert_eq!(
            Language::English.format_money(money(1234567, "JPY")),
            "¥1,234,567"
        );
    }

    #[test]
    fn days_are_written_as_each_language_writes_them() {
        let at: jiff::civil::DateTime = "2026-11-05T09:07".parse().unwrap();
        let written: Vec<String> = Language::ALL
            .iter()
            .map(|l| at.strftime(l.day_and_time_pattern()).to_string())
            .collect();
        assert_eq!(written, ["05 Nov 09:07", "11月5日 09:07", "05.11. 09:07"]);
    }

    #[test]
    fn remembers_the_current_language() {
        set_current(Language::German);
        assert_eq!(current(), Language::German);
        set_current(Language::English);
        assert_eq!(current(), Language::English);
    }
}
