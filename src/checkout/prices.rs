//! Price ids created by `catalog sync`, remembered per WooshPay account so sessions can reference them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::secret::SecretKey;
use crate::state::{StateError, write_atomically};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncedPrice {
    pub product: String,
    pub price: String,
}

#[derive(Default, Serialize, Deserialize)]
struct PriceBookFile {
    version: u32,
    /// account → "item id|unit amount|currency" → ids
    accounts: BTreeMap<String, BTreeMap<String, SyncedPrice>>,
}

/// Synced prices for one account. Keyed by amount and currency too, so changing a price in the catalog makes
/// the kiosk fall back to inline prices until the next sync creates the new one.
#[derive(Debug, Clone, Default)]
pub struct PriceBook {
    prices: BTreeMap<String, SyncedPrice>,
}

impl PriceBook {
    pub fn key(item_id: &str, unit_amount: i64, currency: &str) -> String {
        format!("{item_id}|{unit_amount}|{currency}")
    }

    pub fn get(&self, item_id: &str, unit_amount: i64, currency: &str) -> Option<&SyncedPrice> {
        self.prices.get(&Self::key(item_id, unit_amount, currency))
    }

    pub fn insert(&mut self, item_id: &str, unit_amount: i64, currency: &str, price: SyncedPrice) {
        self.prices
            .insert(Self::key(item_id, unit_amount, currency), price);
    }

    pub fn len(&self) -> usize {
        self.prices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.prices.is_empty()
    }
}

/// The file holding every account's price book.
pub struct PriceBookStore {
    path: PathBuf,
}

impl PriceBookStore {
    pub fn new(state_dir: &Path) -> Self {
        Self {
            path: state_dir.join("catalog-prices.json"),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Prices live in one account: the key's fingerprint (never the key) and the API host name it.
    pub fn account_id(base_url: &str, key: &SecretKey) -> String {
        let digest =
            Sha256::digest(format!("wooshpay-kiosk price book\n{}", key.expose()).as_bytes());
        let fingerprint: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        format!("{base_url}#{fingerprint}")
    }

    pub fn load(&self, account: &str) -> Result<PriceBook, StateError> {
        let file = self.read_file()?;
        Ok(PriceBook {
            prices: file.accounts.get(account).cloned().unwrap_or_default(),
        })
    }

    pub fn save(&self, account: &str, book: &PriceBook) -> Result<(), StateError> {
        let mut file = self.read_file()?;
        file.version = 1;
        file.accounts
            .insert(account.to_owned(), book.prices.clone());
        let json = serde_json::to_vec_pretty(&file).expect("price book serialises");
        write_atomically(&self.path, &json)
    }

    fn read_file(&self) -> Result<PriceBookFile, StateError> {
        match crate::state::files::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| StateError {
                path: self.path.clone(),
                message: format!(
                    "not a valid price book ({e}); delete it and run `wooshpay-kiosk catalog sync`"
                ),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(PriceBookFile::default()),
            Err(e) => Err(StateError {
                path: self.path.clone(),
                message: e.to_string(),
            }),
        }
    }
}
