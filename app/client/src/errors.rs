//! Failed transactions told by program error name and message, the way users read them.
use solana_transaction_error::TransactionError;

/// The first log line of a transaction that was refused before it ran
/// ([`crate::TxFailure::unsent`]); the reason follows.
pub const REFUSED: &str = "Transaction refused before it ran: ";

/// One line naming why a transaction failed: Anchor's `Error Code: Name ... Error Message:
/// message` log line of the failing program when there is one, else the last
/// `Program ... failed: ...` line, else the runtime's error.
pub fn describe(err: &TransactionError, logs: &[String]) -> String {
    if let Some(reason) = logs.first().and_then(|l| l.strip_prefix(REFUSED)) {
        return reason.to_string();
    }
    if let Some(line) = logs.iter().rev().find_map(|l| anchor_error(l)) {
        return line;
    }
    if let Some(line) = logs.iter().rev().find(|l| l.contains(" failed: ")) {
        return line.trim_start_matches("Program ").to_string();
    }
    format!("{err:?}")
}

/// `Name: message (error 6012)` from an `AnchorError ... Error Code: Name. Error Number: N.
/// Error Message: message.` log line.
fn anchor_error(line: &str) -> Option<String> {
    let rest = &line[line.find("Error Code: ")? + "Error Code: ".len()..];
    let name = rest.split('.').next()?.trim();
    let number = rest.split("Error Number: ").nth(1).and_then(|r| r.split('.').next()).unwrap_or("?");
    let message = rest.split("Error Message: ").nth(1).unwrap_or("").trim_end_matches('.');
    Some(format!("{name}: {message} (error {number})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_anchor_error() {
        let logs = vec![
            "Program E5wr invoke [1]".to_string(),
            "Program log: AnchorError occurred. Error Code: DeviceAlreadyIssued. Error Number: 6012. Error Message: This device key was already issued.".to_string(),
            "Program E5wr failed: custom program error: 0x177c".to_string(),
        ];
        let err = TransactionError::InstructionError(0, solana_instruction_error::InstructionError::Custom(6012));
        assert_eq!(describe(&err, &logs), "DeviceAlreadyIssued: This device key was already issued (error 6012)");
    }

    #[test]
    fn falls_back_to_the_failed_program_line() {
        let logs = vec!["Program cmtD failed: custom program error: 0x1771".to_string()];
        let err = TransactionError::InstructionError(0, solana_instruction_error::InstructionError::Custom(6001));
        assert_eq!(describe(&err, &logs), "cmtD failed: custom program error: 0x1771");
        assert_eq!(describe(&TransactionError::AccountNotFound, &[]), "AccountNotFound");
    }
}
