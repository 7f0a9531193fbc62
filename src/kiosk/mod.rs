//! The kiosk's rules without a window: what the screens show and how they move, in plain Rust that the UI
//! layer (`crate::ui`) binds to Slint and tests run without one.

mod amount_entry;
mod cart_view;
mod catalog_view;
pub mod fleet_status;
mod mode;
mod navigation;
mod payment_view;
mod pin_entry;
mod print_jobs;
mod refund_entry;
mod stock;
mod tip_choice;

pub use amount_entry::AmountEntry;
pub use cart_view::{CartView, CartViewLine};
pub use catalog_view::CatalogView;
pub use mode::Mode;
pub use navigation::{Navigation, Screen, Tick};
pub use payment_view::PaymentView;
pub use pin_entry::{PinEntry, PinNotice};
pub use print_jobs::{
    FirstPrint, LATE_AFTER_MS, PrintLanguages, Shop, held_ticket_job, print_jobs, refund_slip_job,
    reprint_job,
};
pub use refund_entry::{OpenSale, RefundEntry, RefundRequest, RefundStep};
pub use stock::Stock;
pub use tip_choice::{TipOption, tip_options};
