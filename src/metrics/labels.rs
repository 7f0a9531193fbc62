//! The label values each labelled counter can take, known in advance so every series exists at 0 from the
//! start: `rate()` over a new kiosk's counters then has data, and `absent()` never fires on a healthy kiosk
//! that has simply not sold anything yet.

/// How a sale ended, as `wooshpay_kiosk_sales_total{outcome}` counts it (the journal's words for proven
/// outcomes; `pending` is not an end and is never counted).
pub const SALE_OUTCOMES: [&str; 4] = ["paid", "expired", "cancelled", "failed"];

/// Why a request to WooshPay failed, as `wooshpay_kiosk_gateway_errors_total{kind}` counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GatewayErrorKind {
    /// No connection (refused, DNS, TLS).
    Connect,
    Timeout,
    /// A 5xx answer.
    Server,
    /// A 429 answer.
    RateLimited,
    /// Any other 4xx answer but 401/403.
    Rejected,
    /// 401, or a 403 for a revoked or restricted key.
    Authentication,
    /// An answer that could not be read as what was asked for.
    Unreadable,
    /// A redirect, or a request the client refused to send.
    Other,
}

impl GatewayErrorKind {
    pub const ALL: [GatewayErrorKind; 8] = [
        Self::Connect,
        Self::Timeout,
        Self::Server,
        Self::RateLimited,
        Self::Rejected,
        Self::Authentication,
        Self::Unreadable,
        Self::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::Connect => "connect",
            Self::Timeout => "timeout",
            Self::Server => "server",
            Self::RateLimited => "rate_limited",
            Self::Rejected => "rejected",
            Self::Authentication => "authentication",
            Self::Unreadable => "unreadable",
            Self::Other => "other",
        }
    }
}

/// What crash recovery did with a pending sale, as `wooshpay_kiosk_recoveries_total{result}` counts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecoveryResult {
    Settled,
    Resumed,
    StillPending,
}

impl RecoveryResult {
    pub const ALL: [RecoveryResult; 3] = [Self::Settled, Self::Resumed, Self::StillPending];

    pub fn label(self) -> &'static str {
        match self {
            Self::Settled => "settled",
            Self::Resumed => "resumed",
            Self::StillPending => "still_pending",
        }
    }
}
