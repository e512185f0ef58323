//! `--output table` (aligned `key  value` lines, lists as tables) or `--output json` (one
//! JSON value on stdout, for scripts).
use serde_json::Value;

use crate::Output;

pub fn print(output: Output, value: &Value) {
    match output {
        Output::Json => {
            let mut value = value.clone();
            if let Value::Object(map) = &mut value {
                map.remove("report");
            }
            println!("{}", serde_json::to_string_pretty(&value).expect("JSON"))
        }
        Output::Table => {
            if let Some(text) = value.get("report").and_then(Value::as_str) {
                print!("{text}");
                return;
            }
            print_value(value, 0);
        }
    }
}

fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    }
}

fn print_value(value: &Value, indent: usize) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            let width = map.keys().map(|k| k.len()).max().unwrap_or(0);
            for (key, item) in map {
                match item {
                    Value::Object(_) => {
                        println!("{pad}{key}:");
                        print_value(item, indent + 2);
                    }
                    Value::Array(rows) if rows.iter().any(Value::is_object) => {
                        println!("{pad}{key}:");
                        print_table(rows, indent + 2);
                    }
                    _ => println!("{pad}{key:<width$}  {}", scalar(item)),
                }
            }
        }
        Value::Array(rows) => print_table(rows, indent),
        other => println!("{pad}{}", scalar(other)),
    }
}

fn print_table(rows: &[Value], indent: usize) {
    let pad = " ".repeat(indent);
    let columns: Vec<String> = rows.iter().filter_map(Value::as_object).flat_map(|m| m.keys().cloned()).fold(Vec::new(), |mut acc, k| {
        if !acc.contains(&k) {
            acc.push(k);
        }
        acc
    });
    let cells: Vec<Vec<String>> = rows.iter().map(|r| columns.iter().map(|c| scalar(&r[c])).collect()).collect();
    let widths: Vec<usize> = columns.iter().enumerate().map(|(i, c)| cells.iter().map(|r| r[i].len()).chain([c.len()]).max().unwrap_or(0)).collect();
    let line = |cells: &[String]| cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect::<Vec<_>>().join("  ");
    println!("{pad}{}", line(&columns));
    for row in &cells {
        println!("{pad}{}", line(row));
    }
}
