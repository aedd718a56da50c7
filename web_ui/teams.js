// The two team tables of a result. A column appears when any row has its
// value, so the scoreboard and the damage view share one table builder.

import { el } from "./dom.js";
import { decimal, integer, share } from "./format.js";

const MEDAL_LABELS = { mvp: "MVP", gold: "Gold", silver: "Silver", bronze: "Bronze" };

const has = (field) => (row) => row[field] !== undefined && row[field] !== null;

const HERO_COLUMN = {
  label: "Hero",
  className: "col-text",
  present: has("hero"),
  cell: (row) => row.hero ?? "–",
};

const COLUMNS = [
  { label: "Player", className: "col-player", present: () => true, cell: playerCell },
  HERO_COLUMN,
  { label: "Lvl", className: "col-num", present: has("level"), cell: (row) => integer(row.level) },
  { label: "K/D/A", className: "col-num col-kda", present: has("kills"), cell: kdaCell },
  { label: "Gold", className: "col-num", present: has("gold"), cell: (row) => integer(row.gold) },
  { label: "Rating", className: "col-num", present: has("rating"), cell: (row) => decimal(row.rating) },
  { label: "Medal", className: "col-medal", present: has("medal"), cell: medalCell },
  { label: "Hero damage", className: "col-num", present: has("hero_damage"), cell: amountCell("hero_damage") },
  { label: "Turret damage", className: "col-num", present: has("turret_damage"), cell: amountCell("turret_damage") },
  { label: "Damage taken", className: "col-num", present: has("damage_taken"), cell: amountCell("damage_taken") },
  {
    label: "Teamfight",
    className: "col-num",
    present: has("teamfight_pct"),
    cell: (row) => share(row.teamfight_pct) || "–",
  },
];

/**
 * Build both team tables. With `onCorrectHero(row, hero)`, which returns a promise, the hero
 * column is always shown and each row gets a form to correct its hero.
 */
export function buildTeams(players, { onCorrectHero = null } = {}) {
  const rows = Array.isArray(players) ? players.filter((row) => row && typeof row === "object") : [];
  const heroColumn = onCorrectHero
    ? { ...HERO_COLUMN, present: () => true, cell: (row) => heroCell(row, onCorrectHero) }
    : HERO_COLUMN;
  const all = COLUMNS.map((column) => (column === HERO_COLUMN ? heroColumn : column));
  const columns = all.filter((column) => rows.some(column.present));
  const teams = [
    { team: "ally", caption: "Your team" },
    { team: "enemy", caption: "Enemy team" },
  ];
  return el(
    "div",
    { className: "teams" },
    teams.map(({ team, caption }) => buildTable(caption, team, sortBySlot(rows, team), columns)),
  );
}

function sortBySlot(rows, team) {
  return rows.filter((row) => row.team === team).sort((a, b) => (a.slot ?? 99) - (b.slot ?? 99));
}

function buildTable(caption, team, rows, columns) {
  const headers = columns.map((column) =>
    el("th", { className: column.className, text: column.label, attrs: { scope: "col" } }),
  );
  const head = el("tr", {}, headers);
  const body = rows.length ? rows.map((row) => buildRow(row, columns)) : [buildEmptyRow(columns.length)];
  const table = el("table", { className: `team team-${team}` }, [
    el("caption", { text: caption }),
    el("thead", {}, [head]),
    el("tbody", {}, body),
  ]);
  const regionAttrs = { tabindex: "0", role: "region", "aria-label": caption };
  return el("div", { className: "table-scroll", attrs: regionAttrs }, [table]);
}

function buildEmptyRow(columnCount) {
  const attrs = { colspan: columnCount };
  const cell = el("td", { className: "empty-row", text: "No rows were read for this team", attrs });
  return el("tr", {}, [cell]);
}

function buildRow(row, columns) {
  const cells = columns.map((column, index) => {
    const content = column.cell(row);
    const tag = index === 0 ? "th" : "td";
    const cell = el(tag, { className: column.className, attrs: index === 0 ? { scope: "row" } : {} });
    cell.append(content);
    return cell;
  });
  return el("tr", { className: row.is_you ? "is-you" : "" }, cells);
}

function playerCell(row) {
  const parts = [];
  if (row.squad) parts.push(el("span", { className: "squad", text: row.squad }));
  const name = row.name || "Unreadable name";
  parts.push(el("span", { className: "name", text: name, attrs: { title: name } }));
  if (row.is_you) parts.push(el("span", { className: "you-tag", text: "You" }));
  return el("span", { className: "player" }, parts);
}

function heroCell(row, onCorrectHero) {
  const shown = el("span", { className: "hero-name", text: row.hero ?? "–" });
  const playerLabel = row.name || `${row.team} slot ${row.slot}`;
  const errorId = `hero-error-${row.team}-${row.slot}`;
  const input = el("input", {
    className: "hero-input",
    attrs: {
      type: "text",
      maxlength: 40,
      required: true,
      placeholder: "Hero name",
      "aria-label": `Hero of ${playerLabel}`,
      "aria-describedby": errorId,
    },
  });
  input.value = row.hero ?? "";
  const error = el("span", { className: "hero-error", attrs: { id: errorId, role: "status" } });
  const save = el("button", {
    className: "hero-save",
    text: "Save",
    attrs: { type: "submit", "aria-label": `Save the hero of ${playerLabel}` },
  });
  const cancel = el("button", { className: "hero-cancel", text: "Cancel", attrs: { type: "button" } });
  const form = el("form", { className: "hero-form" }, [input, save, cancel, error]);
  form.hidden = true;
  const editLabel = `Correct the hero of ${playerLabel}`;
  const editAttrs = { type: "button", "aria-label": editLabel, "data-row": rowKey(row) };
  const edit = el("button", { className: "hero-edit", text: "Correct", attrs: editAttrs });

  const closeForm = () => {
    form.hidden = true;
    edit.hidden = false;
    error.textContent = "";
    input.value = row.hero ?? "";
    edit.focus();
  };
  edit.addEventListener("click", () => {
    form.hidden = false;
    edit.hidden = true;
    input.focus();
  });
  cancel.addEventListener("click", closeForm);
  form.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    // Escape outside the form closes the whole result panel, so here it stops after cancelling the edit.
    event.stopPropagation();
    closeForm();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    save.disabled = true;
    error.textContent = "";
    try {
      await onCorrectHero(row, input.value.trim());
    } catch (failure) {
      error.textContent = failure?.message || "The correction failed";
      save.disabled = false;
    }
  });
  return el("span", { className: "hero" }, [shown, row.hero_corrected ? " (corrected)" : null, edit, form]);
}

/** Build the `data-row` value of a row's Correct button, such as "enemy:4". */
export function rowKey(row) {
  return `${row.team}:${row.slot}`;
}

function kdaCell(row) {
  const values = [row.kills, row.deaths, row.assists].map((value) => (Number.isFinite(value) ? value : "?"));
  return values.join("/");
}

function medalCell(row) {
  if (!row.medal) return "–";
  const known = Object.hasOwn(MEDAL_LABELS, row.medal);
  const className = known ? `medal medal-${row.medal}` : "medal";
  return el("span", { className, text: known ? MEDAL_LABELS[row.medal] : row.medal });
}

function amountCell(field) {
  return (row) => {
    const pct = share(row[`${field}_pct`]);
    const amount = el("span", { className: "amount", text: integer(row[field]) });
    return pct ? el("span", {}, [amount, el("span", { className: "pct", text: pct })]) : amount;
  };
}
