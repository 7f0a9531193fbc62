//! `wooshpay-kiosk check`: configuration, catalog and key, proven with one read-only call.

use super::setup::Setup;
use super::{Cli, Failure, exit};
use crate::wooshpay::Error;

pub async fn run(cli: &Cli) -> Result<u8, Failure> {
    let setup = Setup::for_check(cli).await?;
    println!(
        "Configuration OK: {} catalog items in {}, kiosk id {:?}",
        setup.catalog.items.len(),
        setup.catalog.currency,
        setup.settings.kiosk_id
    );
    println!("Catalog: {}", catalog_source(&setup));
    let feed_error = setup
        .catalog_feed
        .as_ref()
        .and_then(|feed| feed.status().last_error.clone());
    match setup.client.list_checkout_sessions(1).await {
        Ok(_) => {
            println!(
                "WooshPay OK: {} accepted the key ({})",
                setup.base_url,
                setup.mode_label()
            );
            // The kiosk would run on its last good copy, but a feed that cannot be fetched (a wrong URL or
            // signature key) would keep every later price change away: `check` is where that must show.
            match feed_error {
                Some(error) => Err(Failure::runtime(format!(
                    "the catalog could not be fetched: {error}"
                ))),
                None => Ok(exit::OK),
            }
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

/// Where the catalog in use came from: the local file, or the feed and when its copy was fetched.
fn catalog_source(setup: &Setup) -> String {
    let Some(feed) = &setup.catalog_feed else {
        return match &setup.catalog_path {
            Some(path) => format!("file {}", path.display()),
            None => "built-in demo catalog".to_owned(),
        };
    };
    let status = feed.status();
    let signed = if status.signature_checked {
        ", signature checked"
    } else {
        ""
    };
    match status.fetched_at_ms {
        Some(ms) => format!(
            "fetched from {} at {}{signed}",
            status.url,
            super::sales::rfc3339(ms).unwrap_or_else(|| ms.to_string())
        ),
        None => format!("the `catalog` file until {} can be fetched", status.url),
    }
}
