//! Generates the C header `include/tccall.h` with cbindgen.
//!
//! The header is committed. Outside CI the build refreshes it so developers commit
//! an up-to-date file; with `CI` set it is left alone, and the `header_is_current`
//! test fails on a stale committed header.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-env-changed=CI");
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("set by cargo")).join("tccall.h");
    let header = match generate(&dir) {
        Ok(h) => h,
        Err(e) => {
            // A syntax error elsewhere is reported better by rustc than by cbindgen.
            println!("cargo:warning=cbindgen could not generate the header: {e}");
            return;
        }
    };
    std::fs::write(&out, &header).expect("write OUT_DIR/tccall.h");
    let committed = dir.join("include/tccall.h");
    let in_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
    if !in_ci && std::fs::read_to_string(&committed).ok().as_deref() != Some(header.as_str()) {
        std::fs::create_dir_all(dir.join("include")).expect("create include/");
        std::fs::write(&committed, &header).expect("write include/tccall.h");
    }
}

fn generate(dir: &std::path::Path) -> Result<String, String> {
    let mut config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).map_err(|e| e.to_string())?;
    let version = std::env::var("CARGO_PKG_VERSION").expect("set by cargo");
    let mut parts = version.split('.').map(|p| p.split('-').next().unwrap_or("0").parse::<u32>().unwrap_or(0));
    let (major, minor, patch) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    config.after_includes = Some(format!(
        "\n#define TCCALL_VERSION \"{version}\"\n#define TCCALL_VERSION_MAJOR {major}\n#define TCCALL_VERSION_MINOR {minor}\n#define TCCALL_VERSION_PATCH {patch}\n#define TCCALL_VERSION_NUMBER {}\n",
        major * 1_000_000 + minor * 1_000 + patch
    ));
    let bindings =
        cbindgen::Builder::new().with_crate(dir).with_config(config).generate().map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    bindings.write(&mut buf);
    String::from_utf8(buf).map_err(|e| e.to_string())
}
