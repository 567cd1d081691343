//! Embeds the demo's customer project (the `shop` fixture) into the binary, so
//! `interop demo` needs nothing on disk.

use std::fmt::Write as _;
use std::path::Path;

fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("the shop fixture")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            walk(root, &path, out);
        } else {
            let rel = path.strip_prefix(root).expect("inside").to_string_lossy();
            out.push(rel.replace('\\', "/"));
        }
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../interop-sync/tests/fixtures/projects/shop")
        .canonicalize()
        .expect("the shop fixture");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    walk(&root, &root, &mut files);
    let mut code = String::from(
        "/// The demo project's files: path and bytes.\npub const SHOP: &[(&str, &[u8])] = &[\n",
    );
    for rel in files {
        let _ = writeln!(
            code,
            "    ({rel:?}, include_bytes!({:?})),",
            root.join(&rel).display().to_string()
        );
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("shop.rs");
    std::fs::write(out, code).expect("write shop.rs");
}
