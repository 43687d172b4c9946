//! `--format table`: one row an object, as `gh` lists look. The columns are
//! `--columns a,b,c`, else chosen from the objects: `id`, `type`, `state`,
//! the name-like members, then the other scalar members that have a value
//! somewhere, as many as fit the terminal's width (piped: all of them).
//! Nested values are shown as compact JSON, and cells too long for the
//! terminal end in `…`. One object (not a list) is a two-column table of
//! its members and their values.

use comfy_table::{Cell, ContentArrangement, Row, Table, TableStyle};
use serde_json::{Map, Value};

/// Cells wider than this count as this wide when choosing columns: the
/// table cuts them rather than leave out the columns after them.
const WIDEST: usize = 40;

/// Room between two columns.
const GAP: u16 = 2;

/// `value` as a table, ended by a newline (nothing for an empty list).
pub fn render(value: &Value, columns: Option<&[String]>, width: Option<u16>) -> String {
    let (header, rows) = match value {
        Value::Array(items) => {
            let rows: Vec<Map<String, Value>> = items.iter().map(as_object).collect();
            let header = match columns {
                Some(columns) => columns.to_vec(),
                None => chosen(&rows, width),
            };
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|row| {
                    header
                        .iter()
                        .map(|name| row.get(name).map(cell).unwrap_or_default())
                        .collect()
                })
                .collect();
            (header, cells)
        }
        Value::Object(members) => {
            let rows = match columns {
                Some(columns) => columns
                    .iter()
                    .map(|name| {
                        vec![
                            name.clone(),
                            members.get(name).map(cell).unwrap_or_default(),
                        ]
                    })
                    .collect(),
                None => members
                    .iter()
                    .map(|(name, value)| vec![name.clone(), cell(value)])
                    .collect(),
            };
            (vec!["member".to_string(), "value".to_string()], rows)
        }
        scalar => return format!("{}\n", cell(scalar)),
    };
    if rows.is_empty() {
        return String::new();
    }
    table(header, rows, width)
}

/// An item of a list as a row: an object as it is, anything else as the
/// one member `value`.
fn as_object(item: &Value) -> Map<String, Value> {
    match item {
        Value::Object(members) => members.clone(),
        other => Map::from_iter([("value".to_string(), other.clone())]),
    }
}

/// The default columns of `rows`: scalar members that have a value in
/// some row, the telling ones first, as many as fit `width`.
fn chosen(rows: &[Map<String, Value>], width: Option<u16>) -> Vec<String> {
    let mut names: Vec<&String> = Vec::new();
    for row in rows {
        for name in row.keys() {
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    let scalar = |name: &String| {
        rows.iter()
            .all(|row| !matches!(row.get(name), Some(Value::Array(_) | Value::Object(_))))
    };
    let valued = |name: &String| {
        rows.iter()
            .any(|row| row.get(name).is_some_and(|v| !v.is_null() && v != ""))
    };
    let mut names: Vec<&String> = names
        .into_iter()
        .filter(|n| scalar(n) && valued(n))
        .collect();
    // A stable sort: members of the same rank keep the answer's order.
    names.sort_by_key(|name| rank(name));
    let Some(width) = width else {
        return names.into_iter().cloned().collect();
    };
    let mut used = 0usize;
    let mut fitting = Vec::new();
    for name in names {
        let widest = rows
            .iter()
            .map(|row| row.get(name).map(cell).unwrap_or_default().chars().count())
            .chain([name.chars().count()])
            .max()
            .unwrap_or(0)
            .min(WIDEST);
        let needed = used + widest + if fitting.is_empty() { 0 } else { GAP as usize };
        if needed > width as usize && !fitting.is_empty() {
            break;
        }
        used = needed;
        fitting.push(name.clone());
    }
    fitting
}

/// Where a member goes among the default columns.
fn rank(name: &str) -> u8 {
    match name {
        "id" => 0,
        "type" => 1,
        "state" => 2,
        "name" | "title" | "display_name" | "legal_name" => 3,
        _ if name.ends_with("_name") || name.ends_with("name") => 4,
        _ => 5,
    }
}

/// A value in a cell: text as it is, nothing for null, anything else as
/// compact JSON; on one line.
fn cell(value: &Value) -> String {
    let text = match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    text.replace(['\n', '\r'], " ")
}

fn table(header: Vec<String>, rows: Vec<Vec<String>>, width: Option<u16>) -> String {
    let mut table = Table::new();
    let rule = comfy_table::LineStyle::none().fill('─').junction('─');
    table
        .load_style(TableStyle::new().header_separator(rule))
        .set_truncation_indicator("…")
        .set_header(Row::from(header.into_iter().map(Cell::new)));
    if let Some(width) = width {
        table
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(width);
    }
    for cells in rows {
        let mut row = Row::from(cells.into_iter().map(Cell::new));
        // Cut rather than wrap: one line an object.
        row.max_height(1);
        table.add_row(row);
    }
    let last = table.column_iter().count().saturating_sub(1);
    for (at, column) in table.column_iter_mut().enumerate() {
        // The style's blank junction between two columns is one of the gap.
        column.set_padding((0, if at == last { 0 } else { GAP - 1 }));
    }
    let mut shown: String = table
        .lines()
        .map(|line| line.trim_end().to_string() + "\n")
        .collect();
    if shown.is_empty() {
        shown.push('\n');
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_list_shows_the_telling_members_first_and_leaves_out_empty_ones() {
        let list = json!([
            {"managing_account": "4", "name": "NOC", "id": "1", "external_ref": null, "state": "production", "nested": {"a": 1}},
            {"managing_account": "4", "name": "Billing", "id": "22", "external_ref": null, "state": "requested", "nested": {"a": 2}},
        ]);
        let shown = render(&list, None, None);
        let lines: Vec<&str> = shown.lines().collect();
        let header: Vec<&str> = lines[0].split_whitespace().collect();
        assert_eq!(header, ["id", "state", "name", "managing_account"]);
        assert!(lines[1].starts_with('─'), "{shown}");
        assert_eq!(
            lines[2].split_whitespace().collect::<Vec<_>>(),
            ["1", "production", "NOC", "4"]
        );
        assert_eq!(lines.len(), 4);
    }

    #[test]
    fn columns_fit_the_width_and_can_be_chosen() {
        let list = json!([{"id": "1", "name": "a long name", "purchase_order": "PO-1", "contract_ref": "C-1"}]);
        let narrow = render(&list, None, Some(20));
        assert!(narrow.lines().all(|l| l.chars().count() <= 20), "{narrow}");
        assert!(
            narrow.contains("id") && !narrow.contains("contract_ref"),
            "{narrow}"
        );
        let chosen = render(
            &list,
            Some(&["purchase_order".into(), "nested".into(), "id".into()]),
            None,
        );
        let header: Vec<&str> = chosen.lines().next().unwrap().split_whitespace().collect();
        assert_eq!(header, ["purchase_order", "nested", "id"]);
    }

    #[test]
    fn one_object_is_a_table_of_its_members() {
        let object = json!({"id": "7", "vlan_config": {"vlan": 10}, "name": null});
        let shown = render(&object, None, None);
        assert!(
            shown.lines().next().unwrap().starts_with("member"),
            "{shown}"
        );
        assert!(shown.contains(r#"vlan_config  {"vlan":10}"#), "{shown}");
        assert_eq!(render(&json!([]), None, None), "");
    }
}
