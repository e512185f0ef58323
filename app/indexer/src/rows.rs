//! A database row as the decoders produce it and the store writes it: a table, its key
//! columns and typed values (typed so PostgreSQL gets a NULL of the right type).
use anchor_lang::prelude::Pubkey;
use anyhow::{anyhow, Result};

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Text(Option<String>),
    Int(Option<i64>),
}

#[derive(Debug, Clone)]
pub struct Row {
    pub table: &'static str,
    pub key: &'static [&'static str],
    pub cols: Vec<(&'static str, Val)>,
}

impl Row {
    pub fn new(table: &'static str, key: &'static [&'static str]) -> Self {
        Self { table, key, cols: Vec::new() }
    }

    pub fn with(mut self, column: &'static str, value: Val) -> Self {
        self.cols.push((column, value));
        self
    }

    pub fn get(&self, column: &str) -> Option<&Val> {
        self.cols.iter().find(|(c, _)| *c == column).map(|(_, v)| v)
    }
}

pub fn text(s: impl ToString) -> Val {
    Val::Text(Some(s.to_string()))
}

pub fn pubkey(key: &Pubkey) -> Val {
    text(key)
}

/// `None` for the all-zero key programs use as "unset".
pub fn pubkey_or_null(key: &Pubkey) -> Val {
    Val::Text((*key != Pubkey::default()).then(|| key.to_string()))
}

/// A u64 or u128 amount: decimal TEXT (u64 can exceed BIGINT).
pub fn amount(value: impl Into<u128>) -> Val {
    text(value.into())
}

/// A counter, epoch, slot or index: BIGINT; refused above i64::MAX rather than wrapped.
pub fn int<T: TryInto<i64> + Copy + std::fmt::Display>(value: T) -> Result<Val> {
    value.try_into().map(|v| Val::Int(Some(v))).map_err(|_| anyhow!("{value} does not fit a BIGINT column"))
}

pub fn opt_int<T: TryInto<i64> + Copy + std::fmt::Display>(value: Option<T>) -> Result<Val> {
    match value {
        Some(v) => int(v),
        None => Ok(Val::Int(None)),
    }
}

pub fn flag(value: bool) -> Val {
    Val::Int(Some(value as i64))
}

/// An H3 cell as civnet prints it (lowercase hex); `None` for 0 (no location asserted).
pub fn location(cell: u64) -> Val {
    Val::Text((cell != 0).then(|| format!("{cell:x}")))
}
