//! A key a vendor's object does not have (a typo, a field of another version) is an error
//! that names it, never silently dropped: every object of every category, at every depth,
//! taken from the acceptance fixtures, is tried with one key too many.

use std::path::PathBuf;

use interop_sdk::CategoryObjects;
use serde_json::{Value, json};

/// Maps whose keys are the vendor's own (dbt `config`, `meta`, vars), where any key is fine.
const FREE_FORM: [&str; 3] = ["config", "meta", "vars"];

fn fixtures() -> Vec<(String, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/acceptance");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let mut value: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        if name == "elt.json" {
            value = json!({"elt": value});
        }
        out.push((name, value));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// JSON pointers of every object below the lists of a fixture (not the fixture itself, not
/// the `elt` set, not free-form maps).
fn objects(value: &Value, pointer: String, depth: usize, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if depth >= 2 {
                out.push(pointer.clone());
            }
            for (key, child) in map {
                if FREE_FORM.contains(&key.as_str()) {
                    continue;
                }
                let next = if depth == 0 && key == "elt" {
                    0
                } else {
                    depth + 1
                };
                objects(child, format!("{pointer}/{key}"), next, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                objects(child, format!("{pointer}/{i}"), depth + 1, out);
            }
        }
        _ => {}
    }
}

#[test]
fn the_fixtures_read_as_they_are() {
    for (name, value) in fixtures() {
        if let Err(e) = serde_json::from_value::<CategoryObjects>(value) {
            panic!("{name}: {e}");
        }
    }
}

#[test]
fn one_key_too_many_anywhere_is_an_error_naming_it() {
    let mut tried = 0;
    let mut silent = Vec::new();
    for (name, value) in fixtures() {
        let mut pointers = Vec::new();
        objects(&value, String::new(), 0, &mut pointers);
        for pointer in pointers {
            let mut changed = value.clone();
            changed
                .pointer_mut(&pointer)
                .and_then(Value::as_object_mut)
                .unwrap()
                .insert("colour_scheme".into(), json!("teal"));
            tried += 1;
            match serde_json::from_value::<CategoryObjects>(changed) {
                Err(e) if e.to_string().contains("colour_scheme") => {}
                Err(e) => silent.push(format!("{name}{pointer}: error without the key: {e}")),
                Ok(_) => silent.push(format!("{name}{pointer}: accepted")),
            }
        }
    }
    assert!(tried > 50, "{tried}");
    assert!(silent.is_empty(), "{}", silent.join("\n"));
}
