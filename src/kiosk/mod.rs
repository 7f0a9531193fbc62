//! The kiosk's rules without a window: what the screens show and how they move, in plain Rust that the UI
//! layer (`crate::ui`) binds to Slint and tests run without one.

mod mode;
mod pin_entry;

pub use mode::Mode;
pub use pin_entry::{PinAttempt, PinEntry};
