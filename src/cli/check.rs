//! `wooshpay-kiosk check`: configuration, catalog and key, proven with one read-only call.

use super::setup::Setup;
use super::{Cli, Failure, exit};
use crate::wooshpay::Error;

pub async fn run(cli: &Cli) -> Result<u8, Failure> {
    let setup = Setup::from_cli(cli).await?;
    println!(
        "Configuration OK: {} catalog items in {}, kiosk id {:?}",
        setup.catalog.items.len(),
        setup.catalog.currency,
        setup.settings.kiosk_id
    );
    match setup.client.list_checkout_sessions(1).await {
        Ok(_) => {
            println!(
                "WooshPay OK: {} accepted the key ({})",
                setup.base_url,
                setup.mode_label()
            );
            Ok(exit::OK)
        }
        Err(error @ Error::Authentication { .. }) => Err(Failure::runtime(format!(
            "{} rejected the secret key: {error}",
            setup.base_url
        ))),
        Err(error) => Err(Failure::runtime(format!(
            "cannot confirm the key with {}: {error}",
            setup.base_url
        ))),
    }
}
