//! `wooshpay-kiosk catalog sync`: the guide's steps 1 and 2 (product, then price) for every catalog item.

use super::setup::Setup;
use super::{Cli, Failure, exit};
use crate::checkout::{PriceBookStore, SyncedPrice};
use crate::wooshpay::{CreatePrice, CreateProduct};

pub async fn run(cli: &Cli) -> Result<u8, Failure> {
    let setup = Setup::from_cli(cli).await?;
    // It writes the price book into the state directory: refused as root on the kiosk user's directory, and
    // in a directory others can write, before any request creates products at WooshPay.
    crate::state::prepare_dir(&setup.state_dir).map_err(|e| Failure::runtime(e.to_string()))?;
    let store = PriceBookStore::new(&setup.state_dir);
    let account = setup.price_book_account();
    let mut book = store
        .load(&account)
        .map_err(|e| Failure::runtime(e.to_string()))?;
    let currency = setup.catalog.currency.code();
    let (mut created, mut kept) = (0, 0);
    for item in &setup.catalog.items {
        if book.get(&item.id, item.unit_amount, currency).is_some() {
            kept += 1;
            continue;
        }
        let mut metadata = crate::wooshpay::Metadata::new();
        metadata.insert("item_id".into(), item.id.clone().into());
        let product = CreateProduct {
            name: item.name.clone(),
            active: Some(true),
            description: item.description.clone(),
            metadata: Some(metadata),
            ..CreateProduct::default()
        };
        let product = setup.client.create_product(&product).await.map_err(|e| {
            Failure::runtime(format!(
                "item {:?}: creating its product failed: {e}",
                item.id
            ))
        })?;
        let price = CreatePrice::for_product(&product.id, currency, item.unit_amount);
        let price = setup.client.create_price(&price).await.map_err(|e| {
            Failure::runtime(format!(
                "item {:?}: creating its price failed: {e}",
                item.id
            ))
        })?;
        println!(
            "{:<24} {:>10}  {}  {}",
            item.id,
            setup.catalog.price_of(item).to_string(),
            product.id,
            price.id
        );
        book.insert(
            &item.id,
            item.unit_amount,
            currency,
            SyncedPrice {
                product: product.id,
                price: price.id,
            },
        );
        // Saved after every item, so an interrupted sync never creates the same price twice.
        store
            .save(&account, &book)
            .map_err(|e| Failure::runtime(e.to_string()))?;
        created += 1;
    }
    println!(
        "Catalog synced with {}: {created} prices created, {kept} already present; ids kept in {}",
        setup.base_url,
        store.path().display()
    );
    Ok(exit::OK)
}
