//! The `[staff]` section: the PIN that opens the admin screen, and when it locks itself again.

use std::time::Duration;

use serde::Deserialize;

use super::ConfigError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct StaffSection {
    pin_hash: String,
    #[serde(default = "default_admin_lock_after_s")]
    admin_lock_after_s: u64,
}

fn default_admin_lock_after_s() -> u64 {
    60
}

/// The `[staff]` section: who may open the admin screen, and when it locks itself again.
#[derive(Clone, Debug, PartialEq)]
pub struct StaffSettings {
    pub pin_hash: crate::staff::PinHash,
    pub admin_lock_after: Duration,
}

pub(super) fn staff_settings(raw: StaffSection, file: &str) -> Result<StaffSettings, ConfigError> {
    let pin_hash = crate::staff::PinHash::parse(&raw.pin_hash)
        .map_err(|e| ConfigError(format!("{file}: [staff] pin_hash: {e}")))?;
    if !(10..=3600).contains(&raw.admin_lock_after_s) {
        return Err(ConfigError(format!(
            "{file}: [staff] admin_lock_after_s must be between 10 and 3600 seconds, got {}",
            raw.admin_lock_after_s
        )));
    }
    Ok(StaffSettings {
        pin_hash,
        admin_lock_after: Duration::from_secs(raw.admin_lock_after_s),
    })
}
