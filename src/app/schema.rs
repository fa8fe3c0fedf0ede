//! `shardsim schema scenario|report`: prints the JSON Schema of the scenario
//! file (generated from the mirror types in `scenario::schema`) or of
//! `report.json` (generated from the report's own types), as shipped in
//! `schemas/`: pretty JSON with a final newline.

use std::io::Write as _;

use schemars::Schema;
use schemars::generate::SchemaSettings;
use schemars::transform::RecursiveTransform;

use crate::cli::{SchemaArgs, SchemaDocument};

/// The text `shardsim schema <document>` prints.
pub fn text(document: SchemaDocument) -> String {
    let schema = match document {
        SchemaDocument::Scenario => crate::scenario::schema::json_schema(),
        SchemaDocument::Report => report(),
    };
    let mut text = serde_json::to_string_pretty(&schema).expect("a JSON value serializes");
    text.push('\n');
    text
}

/// The path in the repository where `document`'s schema is shipped.
pub fn shipped_path(document: SchemaDocument) -> &'static str {
    match document {
        SchemaDocument::Scenario => "schemas/scenario.schema.json",
        SchemaDocument::Report => "schemas/report.schema.json",
    }
}

/// `report.json`'s schema (draft 7, as the scenario's), describing it as
/// `run` writes it.
fn report() -> serde_json::Value {
    let mut settings = SchemaSettings::draft07();
    settings.contract = schemars::generate::Contract::Serialize;
    settings.transforms.push(Box::new(RecursiveTransform(crate::scenario::schema::unwrap_description)));
    settings.transforms.push(Box::new(RecursiveTransform(closed)));
    let mut schema = settings.into_generator().into_root_schema_for::<crate::report::Report>();
    schema.insert("title".into(), "shardsim report.json".into());
    schema.to_value()
}

/// Closes every object with named fields: the schema lists every field
/// `run` writes, so a field it does not list is not shardsim's.
fn closed(schema: &mut Schema) {
    if let Some(object) = schema.as_object_mut()
        && object.contains_key("properties")
    {
        object.entry("additionalProperties").or_insert(false.into());
    }
}

/// Runs `shardsim schema`.
pub(super) fn run(args: &SchemaArgs) -> Result<(), String> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text(args.document).as_bytes()).map_err(|e| format!("standard output: {e}"))
}
