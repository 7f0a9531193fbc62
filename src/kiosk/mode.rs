//! Where the kiosk's sales go: WooshPay's test or live mode, or the built-in simulator.

/// Where the kiosk is connected to, as the status panel and the logs name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Test,
    Live,
    Demo,
}

impl Mode {
    /// The word `status --json` and the status file use.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Demo => "demo",
            Mode::Test => "test",
            Mode::Live => "live",
        }
    }

    /// In English, for logs and `check`.
    pub fn label(self) -> &'static str {
        match self {
            Mode::Demo => "demo (simulator)",
            Mode::Test => "test mode",
            Mode::Live => "LIVE mode",
        }
    }
}
