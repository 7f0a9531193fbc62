//! `wooshpay-kiosk hash-pin`: reads a staff PIN (never from the command line, where `ps` would show it) and
//! prints the line to put in `[staff] pin_hash`.

use std::io::{BufRead, IsTerminal};

use super::{Failure, exit};
use crate::staff;

pub fn run() -> Result<u8, Failure> {
    let pin = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New staff PIN (4 to 8 digits): ")
            .map_err(|e| Failure::runtime(format!("cannot read the PIN: {e}")))?;
        staff::check_format(first.trim()).map_err(|e| Failure::usage(e.to_string()))?;
        let again = rpassword::prompt_password("The same PIN again: ")
            .map_err(|e| Failure::runtime(format!("cannot read the PIN: {e}")))?;
        if first.trim() != again.trim() {
            return Err(Failure::usage("the two PINs differ; nothing was printed"));
        }
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::runtime(format!("cannot read the PIN from stdin: {e}")))?;
        line
    };
    let hash = staff::hash_pin(pin.trim()).map_err(|e| Failure::usage(e.to_string()))?;
    println!("pin_hash = \"{hash}\"");
    Ok(exit::OK)
}
