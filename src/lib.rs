//! wooshpay-kiosk: a QR-code checkout kiosk for WooshPay hosted checkout sessions.
pub mod money;
pub mod secret;
pub mod simulator;
pub mod wooshpay;
pub mod catalog;
pub mod config;
mod toml_errors;
pub mod checkout;
pub mod state;
pub mod qr;
pub mod logging;
pub mod demo;
pub mod cli;
