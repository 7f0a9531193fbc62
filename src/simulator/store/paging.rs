//! Stripe-style cursor paging, shared by every list the simulator serves: newest first, `limit` at a time, and
//! `starting_after` (an id from the previous page) gives the page after it. An unknown cursor is an error, not
//! an empty page.

use super::params::ApiError;

/// The page of `newest_first` after `starting_after`, and whether more follow. `object` names the resource in
/// the error for an unknown cursor.
pub(super) fn page<'a, T>(
    newest_first: &'a [T],
    id_of: impl Fn(&T) -> Option<&str>,
    limit: usize,
    starting_after: Option<&str>,
    object: &str,
) -> Result<(&'a [T], bool), ApiError> {
    let start = match starting_after {
        None => 0,
        Some(cursor) => {
            newest_first
                .iter()
                .position(|item| id_of(item) == Some(cursor))
                .ok_or_else(|| ApiError::not_found(object, cursor))?
                + 1
        }
    };
    let end = start.saturating_add(limit).min(newest_first.len());
    Ok((&newest_first[start..end], newest_first.len() > end))
}
