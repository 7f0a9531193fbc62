//! wooshpay-kiosk: a QR-code checkout kiosk for WooshPay hosted checkout sessions.
pub mod simulator;
