//! The `[gpio]` section: the lights, buzzer and buttons on a Raspberry Pi's header.

use std::time::Duration;

use serde::Deserialize;

use super::ConfigError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct GpioSection {
    #[serde(default)]
    active_low: bool,
    /// Buzzer on or off (a quiet shop can keep the wiring and silence it).
    #[serde(default = "default_true")]
    buzzer: bool,
    led_ready: Option<u8>,
    led_waiting: Option<u8>,
    led_paid: Option<u8>,
    led_error: Option<u8>,
    buzzer_pin: Option<u8>,
    button_cancel: Option<u8>,
    button_wake: Option<u8>,
    debounce_ms: Option<u64>,
}

fn default_true() -> bool {
    true
}

/// The `[gpio]` section, validated: BCM pin numbers a Pi's 40-pin header has, each used once.
#[derive(Clone, Debug, PartialEq)]
pub struct GpioSettings {
    pub active_low: bool,
    pub buzzer_enabled: bool,
    pub led_ready: Option<u8>,
    pub led_waiting: Option<u8>,
    pub led_paid: Option<u8>,
    pub led_error: Option<u8>,
    pub buzzer_pin: Option<u8>,
    pub button_cancel: Option<u8>,
    pub button_wake: Option<u8>,
    pub debounce: Duration,
}

/// BCM GPIO 0–27 are the ones on the 40-pin header of every Pi from the B+ to the 5 and the Zero 2 W.
pub const MAX_BCM_PIN: u8 = 27;

pub(super) fn gpio_settings(raw: GpioSection, file: &str) -> Result<GpioSettings, ConfigError> {
    let pins = [
        ("led_ready", raw.led_ready),
        ("led_waiting", raw.led_waiting),
        ("led_paid", raw.led_paid),
        ("led_error", raw.led_error),
        ("buzzer_pin", raw.buzzer_pin),
        ("button_cancel", raw.button_cancel),
        ("button_wake", raw.button_wake),
    ];
    let mut used: Vec<(&str, u8)> = Vec::new();
    for (key, pin) in pins {
        let Some(pin) = pin else { continue };
        if pin > MAX_BCM_PIN {
            return Err(ConfigError(format!(
                "{file}: [gpio] {key} = {pin}: a Raspberry Pi has BCM GPIO 0 to {MAX_BCM_PIN} on its header"
            )));
        }
        if let Some((other, _)) = used.iter().find(|(_, p)| *p == pin) {
            return Err(ConfigError(format!(
                "{file}: [gpio] {key} and {other} both use GPIO {pin}"
            )));
        }
        used.push((key, pin));
    }
    let debounce = raw.debounce_ms.unwrap_or(50);
    if !(5..=1000).contains(&debounce) {
        return Err(ConfigError(format!(
            "{file}: [gpio] debounce_ms must be between 5 and 1000, got {debounce}"
        )));
    }
    Ok(GpioSettings {
        active_low: raw.active_low,
        buzzer_enabled: raw.buzzer,
        led_ready: raw.led_ready,
        led_waiting: raw.led_waiting,
        led_paid: raw.led_paid,
        led_error: raw.led_error,
        buzzer_pin: raw.buzzer_pin,
        button_cancel: raw.button_cancel,
        button_wake: raw.button_wake,
        debounce: Duration::from_millis(debounce),
    })
}
