//! wooshpay-kiosk: a QR-code checkout kiosk for WooshPay hosted checkout sessions.
pub mod catalog;
/// One catalog for many kiosks: fetched from `catalog_url`, checked, and kept as the last good copy.
pub mod catalog_feed;
pub mod checkout;
pub mod cli;
pub mod config;
pub mod demo;
pub mod hw;
pub mod i18n;
pub mod journal;
pub mod kiosk;
pub mod logging;
pub mod metrics;
pub mod money;
pub mod order;
/// Receipts and kitchen tickets on ESC/POS thermal printers, through a job queue that survives restarts.
pub mod printer;
pub mod qr;
/// Refunds of paid sales, journalled before they are sent so none is ever made twice.
pub mod refund;
pub mod secret;
pub mod service;
pub mod simulator;
pub mod staff;
pub mod state;
/// Tax per rate over a cart, in integer minor units, rounded half up.
pub mod tax;
mod toml_errors;
pub mod ui;
pub mod wooshpay;
