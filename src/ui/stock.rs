//! Stock on screen: sold-out tiles and cart lines, and the staff screen's item list where staff mark an item
//! sold out (or back) and set how many are left. The counts live in the journal, which paid sales count down.

use std::rc::Rc;

use slint::{ComponentHandle, ModelRc, VecModel};

use super::kiosk::{Kiosk, with};
use super::{AdminAdapter, AppWindow, StockRow};
use crate::journal::StockUpdate;
use crate::kiosk::Stock;

/// The staff screen's Sold out / Available toggle and the count's − and +.
pub(super) fn connect(kiosk: &Rc<Kiosk>, window: &AppWindow) {
    let adapter = window.global::<AdminAdapter>();
    let weak = Rc::downgrade(kiosk);
    adapter.on_toggle_sold_out(move |id| with(&weak, |k| k.toggle_sold_out(&id)));
    let weak = Rc::downgrade(kiosk);
    adapter.on_adjust_stock(move |id, by| with(&weak, |k| k.adjust_stock(&id, by)));
}

impl Kiosk {
    /// Seeds counts from the catalog on sale (its `stock = N`) and reads every level back from the journal.
    pub(super) fn sync_stock(&self) {
        let items = self.state.borrow().shelf.catalog().stock_levels();
        let levels = self.context.engine.with_journal(|journal| {
            journal.sync_stock(&items)?;
            journal.stock_levels()
        });
        self.apply_stock(levels);
    }

    /// After a sale was recorded paid: the counts it took.
    pub(super) fn refresh_stock(&self) {
        let levels = self
            .context
            .engine
            .with_journal(|journal| journal.stock_levels());
        self.apply_stock(levels);
    }

    fn apply_stock(
        &self,
        levels: Result<Vec<crate::journal::StockLevel>, crate::journal::JournalError>,
    ) {
        match levels {
            Ok(levels) => self.state.borrow_mut().stock = Stock::new(levels),
            // The last levels read stay in force; selling goes on.
            Err(error) => tracing::error!(%error, "cannot read stock from the journal"),
        }
        self.show_catalog_tiles();
        self.refresh_cart();
        self.show_stock_rows();
    }

    fn toggle_sold_out(&self, item_id: &str) {
        let sold_out = self.state.borrow().stock.sold_out(item_id);
        self.update_stock(item_id, StockUpdate::SoldOut(!sold_out));
    }

    /// − and + on the staff screen, applied to the journal's count (see `StockUpdate::Adjust`).
    fn adjust_stock(&self, item_id: &str, by: i32) {
        self.update_stock(item_id, StockUpdate::Adjust(by));
    }

    fn update_stock(&self, item_id: &str, update: StockUpdate) {
        let written = self
            .context
            .engine
            .with_journal(|journal| journal.update_stock(item_id, update));
        match written {
            Ok(_) => tracing::info!(item = item_id, ?update, "stock changed by staff"),
            Err(error) => tracing::error!(%error, item = item_id, "cannot change stock"),
        }
        self.refresh_stock();
    }

    /// The staff screen's item list, in catalog order.
    pub(super) fn show_stock_rows(&self) {
        let Some(window) = self.ui() else { return };
        let state = self.state.borrow();
        let rows: Vec<StockRow> = state
            .shelf
            .catalog()
            .items
            .iter()
            .map(|item| {
                let level = state.stock.level(&item.id);
                StockRow {
                    id: item.id.as_str().into(),
                    name: item.name.as_str().into(),
                    counted: level.and_then(|l| l.remaining).is_some(),
                    remaining: level
                        .and_then(|l| l.remaining)
                        .map_or(0, |left| i32::try_from(left).unwrap_or(i32::MAX)),
                    sold_out: state.stock.sold_out(&item.id),
                    oversold: level.map_or(0, |l| i32::try_from(l.oversold).unwrap_or(i32::MAX)),
                }
            })
            .collect();
        window
            .global::<AdminAdapter>()
            .set_stock(ModelRc::new(VecModel::from(rows)));
    }
}
