//! The `[display]` section: how the touchscreen UI looks and behaves.

use std::time::Duration;

use serde::Deserialize;

use super::ConfigError;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct DisplaySection {
    renderer: Option<Renderer>,
    result_screen_s: Option<u64>,
    idle_after_s: Option<u64>,
    shop_name: Option<String>,
    high_contrast: Option<bool>,
    large_text: Option<bool>,
    idle_brightness_percent: Option<u8>,
    language: Option<String>,
    fullscreen: Option<bool>,
}

/// How the touchscreen UI draws: `femtovg` on a GPU (Pi 4/5), `software` where there is none (Zero 2 W).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Renderer {
    Software,
    Femtovg,
}

impl Renderer {
    pub fn slint_name(self) -> &'static str {
        match self {
            Renderer::Software => "software",
            Renderer::Femtovg => "femtovg",
        }
    }
}

/// The `[display]` section: how the touchscreen UI looks and behaves.
#[derive(Clone, Debug, PartialEq)]
pub struct DisplaySettings {
    /// `None`: Slint's choice (or `SLINT_BACKEND`).
    pub renderer: Option<Renderer>,
    /// How long the result screen stays before the kiosk returns to the catalog.
    pub result_screen: Duration,
    /// Idle time with an empty cart before the attract screen.
    pub idle_after: Duration,
    pub shop_name: String,
    pub high_contrast: bool,
    /// Every text a step larger, for customers and staff who need it.
    pub large_text: bool,
    /// Backlight level on the attract screen, in percent of the maximum; `None`: never dim.
    pub idle_brightness_percent: Option<u8>,
    /// The language the kiosk starts in; staff can switch it on the admin screen.
    pub language: crate::i18n::Language,
    /// Fill the screen in a desktop session (winit); `None`: not said, so a configured kiosk fills it and the
    /// demo stays a window (`ui::fullscreen::window_mode`). linuxkms always fills the screen.
    pub fullscreen: Option<bool>,
}

impl Default for DisplaySettings {
    fn default() -> Self {
        Self {
            renderer: None,
            result_screen: Duration::from_secs(6),
            idle_after: Duration::from_secs(90),
            shop_name: "Welcome".to_owned(),
            high_contrast: false,
            large_text: false,
            idle_brightness_percent: None,
            language: crate::i18n::Language::English,
            fullscreen: None,
        }
    }
}

/// The `[display]` section, validated against the ranges a kiosk can use.
pub(super) fn display_settings(
    raw: DisplaySection,
    file: &str,
) -> Result<DisplaySettings, ConfigError> {
    let defaults = DisplaySettings::default();
    let seconds =
        |key: &str, value: Option<u64>, default: Duration, range: std::ops::RangeInclusive<u64>| {
            match value {
                None => Ok(default),
                Some(v) if range.contains(&v) => Ok(Duration::from_secs(v)),
                Some(v) => Err(ConfigError(format!(
                    "{file}: [display] {key} must be between {} and {} seconds, got {v}",
                    range.start(),
                    range.end()
                ))),
            }
        };
    Ok(DisplaySettings {
        renderer: raw.renderer,
        result_screen: seconds(
            "result_screen_s",
            raw.result_screen_s,
            defaults.result_screen,
            2..=120,
        )?,
        idle_after: seconds(
            "idle_after_s",
            raw.idle_after_s,
            defaults.idle_after,
            10..=86_400,
        )?,
        shop_name: match raw.shop_name {
            Some(name) if name.trim().is_empty() => {
                return Err(ConfigError(format!(
                    "{file}: [display] shop_name must not be empty"
                )));
            }
            Some(name) => name.trim().to_owned(),
            None => defaults.shop_name,
        },
        high_contrast: raw.high_contrast.unwrap_or(false),
        large_text: raw.large_text.unwrap_or(false),
        idle_brightness_percent: match raw.idle_brightness_percent {
            Some(p) if p > 100 => {
                return Err(ConfigError(format!(
                    "{file}: [display] idle_brightness_percent must be between 0 and 100, got {p}"
                )));
            }
            other => other,
        },
        language: match raw.language {
            None => defaults.language,
            Some(code) => crate::i18n::Language::from_code(&code).ok_or_else(|| {
                ConfigError(format!(
                    "{file}: [display] language: {code:?} has no translation; expected one of {}",
                    crate::i18n::Language::supported_codes()
                ))
            })?,
        },
        fullscreen: raw.fullscreen,
    })
}
