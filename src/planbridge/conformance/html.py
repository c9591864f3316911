"""The support matrix as one self-contained HTML page: colour-coded, filterable, with diffs.

The page embeds the run's results as JSON and renders them with a little inline script (no
network access, no external files), so it opens from disk and stays small.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict

from planbridge.conformance.case import STATUSES
from planbridge.conformance.runner import RunOutput

COLOURS = {
    "pass": "#2e9e44",
    "fail": "#d93025",
    "differs": "#e8a100",
    "unsupported": "#8a8f98",
    "error": "#e8710a",
    "crash": "#a0136b",
    "invalid": "#c0c4cc",
}


def page_data(out: RunOutput, notes: list[str] | None = None) -> dict:
    """The compact document the page renders: one entry per case with each engine's outcome."""
    engines = sorted({r.engine for r in out.results})
    cases: dict[str, dict] = {}
    for r in out.results:
        c = cases.setdefault(
            r.case,
            {
                "id": r.case,
                "source": r.source,
                "feature": r.feature,
                "producer": r.producer,
                "notes": r.notes,
                "r": {},
            },
        )
        c["r"][r.engine] = [r.status, r.reason, r.diff]
    dis: dict[str, list] = defaultdict(list)
    for d in out.disagreements:
        dis[d.case].append([d.engines[0], d.engines[1], d.diff])
    for case_id, diffs in dis.items():
        if case_id in cases:
            cases[case_id]["d"] = diffs
    return {
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "engines": engines,
        "statuses": list(STATUSES),
        "colours": COLOURS,
        "notes": notes or [],
        "cases": list(cases.values()),
    }


_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#202124;background:#f8f9fa}
header{background:#1a237e;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;opacity:.85}main{padding:16px 24px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:16px}
.card{background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002;padding:10px 14px;min-width:220px}
.card h3{margin:0 0 6px;font-size:15px}.bar{display:flex;height:12px;border-radius:6px;overflow:hidden;background:#eee}
.bar span{display:block;height:100%}.legend span{display:inline-block;margin-right:10px;font-size:12px}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:4px;vertical-align:middle}
.controls{background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002;padding:10px 14px;margin-bottom:12px}
.controls input[type=search]{width:28em;padding:4px 8px}.controls label{margin-right:10px;font-size:13px}
table{border-collapse:collapse;width:100%;background:#fff;box-shadow:0 1px 3px #0002}
th,td{padding:4px 8px;border-bottom:1px solid #eee;text-align:left;vertical-align:top;font-size:13px}
th{position:sticky;top:0;background:#e8eaf6;z-index:1}td.s{color:#fff;font-weight:600;text-align:center;width:9em;cursor:pointer}
tr.case:hover td{filter:brightness(.95)}tr.detail td{background:#fafafa}
pre{margin:4px 0;white-space:pre-wrap;font:12px/1.35 ui-monospace,monospace;background:#f1f3f4;padding:6px;border-radius:4px}
.del{color:#b3261e}.add{color:#1e7b34}.area td{background:#e8eaf6;font-weight:600}.muted{color:#5f6368}
.dis{color:#a0136b;font-weight:600}
"""

_SCRIPT = """
const D=JSON.parse(document.getElementById('data').textContent);
const $=s=>document.querySelector(s);
function esc(t){return String(t??'').replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]))}
function diffHtml(t){return esc(t).split('\\n').map(l=>l.startsWith('- ')?`<span class=del>${l}</span>`:l.startsWith('+ ')?`<span class=add>${l}</span>`:l).join('\\n')}
function bar(counts,total){return '<div class=bar>'+D.statuses.map(s=>counts[s]?`<span title="${s} ${counts[s]}" style="width:${100*counts[s]/total}%;background:${D.colours[s]}"></span>`:'').join('')+'</div>'}
function cards(){let h='';for(const e of D.engines){const c={};let n=0;for(const k of D.cases){const r=k.r[e];if(r){c[r[0]]=(c[r[0]]||0)+1;n++}}
h+=`<div class=card><h3>${esc(e)}: ${c.pass||0}/${n} pass</h3>${bar(c,n)}<div class="legend muted">`+D.statuses.filter(s=>c[s]).map(s=>`<span><i class=dot style="background:${D.colours[s]}"></i>${s} ${c[s]}</span>`).join('')+'</div></div>'}
$('#cards').innerHTML=h}
function area(k){const p=k.feature.split('/');return k.source+'/'+(k.source==='functions'?p[0]:p.slice(0,2).join('/'))}
function render(){const q=$('#q').value.toLowerCase(),only=$('#bad').checked,dis=$('#dis').checked;
const show=new Set([...document.querySelectorAll('.st:checked')].map(x=>x.value));
let rows=[],last='',shown=0;
for(const k of D.cases){const st=D.engines.map(e=>k.r[e]?k.r[e][0]:'');
if(only&&st.every(s=>s==='pass'||s===''))continue;if(dis&&!k.d)continue;
if(!st.some(s=>show.has(s)))continue;
const text=(k.id+' '+k.producer+' '+D.engines.map(e=>k.r[e]?k.r[e][1]:'').join(' ')).toLowerCase();
if(q&&!text.includes(q))continue;shown++;
const a=area(k);if(a!==last){rows.push(`<tr class=area><td colspan=${D.engines.length+2}>${esc(a)}</td></tr>`);last=a}
rows.push(`<tr class=case data-id="${esc(k.id)}"><td>${esc(k.feature)}${k.d?' <span class=dis title="engines disagree">≠</span>':''}</td><td class=muted>${esc(k.producer)}</td>`+
D.engines.map(e=>{const r=k.r[e];return r?`<td class=s style="background:${D.colours[r[0]]}" title="${esc(r[1])}">${r[0]}</td>`:'<td></td>'}).join('')+'</tr>')}
$('#rows').innerHTML=rows.join('');$('#count').textContent=shown+' of '+D.cases.length+' cases'}
function detail(tr){const nx=tr.nextElementSibling;if(nx&&nx.classList.contains('detail')){nx.remove();return}
const k=D.cases.find(c=>c.id===tr.dataset.id);let h=`<div><b>${esc(k.id)}</b>${k.notes?' <span class=muted>'+esc(k.notes)+'</span>':''}</div>`;
for(const e of D.engines){const r=k.r[e];if(!r||(r[0]==='pass'&&!r[1]))continue;h+=`<div><b>${esc(e)}</b>: ${r[0]} ${esc(r[1])}</div>`+(r[2]?`<pre>${diffHtml(r[2])}</pre>`:'')}
for(const [a,b,d] of k.d||[])h+=`<div class=dis>${esc(a)} vs ${esc(b)} disagree</div><pre>${diffHtml(d)}</pre>`;
const row=document.createElement('tr');row.className='detail';row.innerHTML=`<td colspan=${D.engines.length+2}>${h}</td>`;tr.after(row)}
$('#head').innerHTML='<th>case</th><th>producer</th>'+D.engines.map(e=>`<th>${esc(e)}</th>`).join('');
$('#stf').innerHTML=D.statuses.map(s=>`<label><input type=checkbox class=st value="${s}" checked><i class=dot style="background:${D.colours[s]}"></i>${s}</label>`).join('');
$('#notes').innerHTML=D.notes.map(n=>`<p class=muted>${esc(n)}</p>`).join('');
$('#gen').textContent='Generated '+D.generated+' by planbridge conformance · '+D.engines.join(', ');
document.addEventListener('input',render);$('#rows').addEventListener('click',ev=>{const tr=ev.target.closest('tr.case');if(tr)detail(tr)});
cards();render();
"""


def to_html(out: RunOutput, notes: list[str] | None = None) -> str:
    """The page: engine cards, filters (text, status, failing only, disagreements), case rows
    that expand to the reason, the row-level diff and any cross-engine diff."""
    data = json.dumps(page_data(out, notes), ensure_ascii=False, default=str)
    data = data.replace("</", "<\\/")  # never close the script element early
    return (
        '<!doctype html><html lang="en"><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>planbridge conformance</title><style>{_STYLE}</style>"
        '<header><h1>planbridge conformance matrix</h1><p id="gen"></p></header><main>'
        '<div id="notes"></div><div class="cards" id="cards"></div>'
        '<div class="controls"><input type="search" id="q" placeholder="filter: case, producer or '
        'reason text"> <label><input type="checkbox" id="bad"> not passing everywhere</label>'
        '<label><input type="checkbox" id="dis"> engines disagree</label> '
        '<span id="stf"></span> <span class="muted" id="count"></span>'
        '<div class="muted">Click a row for the reason, the row-level diff against the '
        "expectation and any disagreement between engines.</div></div>"
        '<table><thead><tr id="head"></tr></thead><tbody id="rows"></tbody></table></main>'
        f'<script type="application/json" id="data">{data}</script>'
        f"<script>{_SCRIPT}</script></html>\n"
    )
