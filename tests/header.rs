//! The committed C header must be exactly what cbindgen generates from the source
//! (build.rs writes a fresh copy into OUT_DIR on every build).

#[test]
fn header_is_current() {
    let fresh = include_str!(concat!(env!("OUT_DIR"), "/tccall.h"));
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/include/tccall.h");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/tccall.h is stale: regenerate it with `cargo build` (outside CI) and commit it"
    );
}

#[test]
fn header_declares_every_code_and_the_version() {
    let header = include_str!(concat!(env!("OUT_DIR"), "/tccall.h"));
    for code in tccall::ErrorCode::ALL {
        let line = format!("#define {} {}\n", code.name(), code.as_i32());
        assert!(header.contains(&line), "missing {line}");
    }
    let version = format!("#define TCCALL_VERSION \"{}\"", env!("CARGO_PKG_VERSION"));
    assert!(header.contains(&version));
    assert!(header.contains(&format!("#define TCCALL_ABI_VERSION {}", tccall::ffi::TCCALL_ABI_VERSION)));
}

#[test]
fn every_operation_has_its_export_and_the_generic_call() {
    let header = include_str!(concat!(env!("OUT_DIR"), "/tccall.h"));
    for op in tccall::api::OPERATIONS {
        let decl = format!(
            "int32_t {}(const tccall_client *client, const char *request_json, char **out_json, char **out_err);",
            op.c_function()
        );
        assert!(header.contains(&decl), "missing {decl}");
    }
    assert!(header.contains("int32_t tccall_client_call(const tccall_client *client,"));
    assert!(header.contains("const char *tccall_operations(void);"));
}
