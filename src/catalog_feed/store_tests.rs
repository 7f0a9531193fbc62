use super::*;

const URL: &str = "https://shop.example/kiosks/catalog.toml";
const OLD: &str = "[[item]]\nid = \"tea\"\nname = \"Tea\"\nunit_amount = 250\n";
const NEW: &str = "[[item]]\nid = \"tea\"\nname = \"Tea\"\nunit_amount = 300\n";

fn record(text: &str, etag: &str) -> StoredCopy {
    StoredCopy {
        url: URL.to_owned(),
        etag: Some(etag.to_owned()),
        last_modified: None,
        fetched_at_ms: 1_700_000_000_000,
        sha256: sha256_hex(text.as_bytes()),
        signature_key: None,
    }
}

/// The kept copy as the kiosk would start with it: its record and the tea's price.
fn kept(state_dir: &Path) -> Result<Option<(StoredCopy, i64)>, String> {
    let url = Url::parse(URL).unwrap();
    let loaded = load(
        state_dir,
        &url,
        None,
        Currency::from_code("GBP").unwrap(),
        state_dir,
    )?;
    Ok(loaded.map(|(copy, catalog)| (copy, catalog.item("tea").unwrap().unit_amount)))
}

#[test]
fn a_power_cut_at_any_step_of_a_replacement_leaves_the_old_copy_or_the_new_one() {
    let steps = save_steps(Path::new("/nowhere"), NEW.as_bytes(), &record(NEW, "v2")).len();
    for cut_after in 0..=steps {
        let state = tempfile::tempdir().unwrap();
        save(state.path(), OLD, &record(OLD, "v1")).unwrap();
        let new = record(NEW, "v2");
        // The cut: the first `cut_after` steps ran, the rest never did.
        for step in save_steps(state.path(), NEW.as_bytes(), &new)
            .into_iter()
            .take(cut_after)
        {
            step().unwrap();
        }
        let found = kept(state.path());
        assert!(
            matches!(&found, Ok(Some((copy, 250))) if *copy == record(OLD, "v1"))
                || matches!(&found, Ok(Some((copy, 300))) if *copy == new),
            "cut after step {cut_after} of {steps}: the kiosk starts with {found:?}, not the old copy or the new"
        );
        // And the next replacement still works over whatever the cut left.
        save(state.path(), NEW, &new).unwrap();
        assert_eq!(kept(state.path()).unwrap(), Some((new, 300)));
    }
}

#[test]
fn a_copy_kept_by_an_earlier_version_is_used_and_replaced() {
    // The layout every version has written: the two files side by side in catalog-feed/.
    let state = tempfile::tempdir().unwrap();
    let dir = store_dir(state.path());
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(CATALOG_FILE), OLD).unwrap();
    std::fs::write(
        dir.join(RECORD_FILE),
        serde_json::to_vec(&record(OLD, "v1")).unwrap(),
    )
    .unwrap();
    assert_eq!(kept(state.path()).unwrap(), Some((record(OLD, "v1"), 250)));

    save(state.path(), NEW, &record(NEW, "v2")).unwrap();
    assert_eq!(kept(state.path()).unwrap(), Some((record(NEW, "v2"), 300)));
    assert_eq!(
        std::fs::read_to_string(catalog_file(state.path())).unwrap(),
        NEW
    );
}

#[test]
fn new_validators_alone_keep_the_same_bytes_under_the_new_record() {
    let state = tempfile::tempdir().unwrap();
    save(state.path(), OLD, &record(OLD, "v1")).unwrap();
    save_record(state.path(), &record(OLD, "v1-again")).unwrap();
    assert_eq!(
        kept(state.path()).unwrap(),
        Some((record(OLD, "v1-again"), 250))
    );
}

#[test]
fn a_staging_directory_left_by_a_cut_is_never_used_and_the_next_save_replaces_it() {
    let state = tempfile::tempdir().unwrap();
    save(state.path(), OLD, &record(OLD, "v1")).unwrap();
    // A cut while the next copy was being put together: half a catalog, no record.
    let staging = state.path().join(STAGING_DIR);
    std::fs::create_dir(&staging).unwrap();
    std::fs::write(staging.join(CATALOG_FILE), "[[item]]\nid = \"te").unwrap();
    assert_eq!(kept(state.path()).unwrap(), Some((record(OLD, "v1"), 250)));

    save(state.path(), NEW, &record(NEW, "v2")).unwrap();
    assert_eq!(kept(state.path()).unwrap(), Some((record(NEW, "v2"), 300)));
    assert!(
        !staging.exists(),
        "the old copy is removed once the new one is in place"
    );
}
