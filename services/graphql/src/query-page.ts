/**
 * The in-browser query page, served by the hub itself: one file, no script or style from a
 * CDN, so it works on an isolated government network.
 */
export const QUERY_PAGE = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>Hub GraphQL 查询</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'">
<style>
  body { font-family: system-ui, "Noto Sans CJK SC", sans-serif; margin: 1.5rem; max-width: 70rem; }
  label { display: block; margin-top: .8rem; font-weight: 600; }
  textarea, input, select { width: 100%; font-family: ui-monospace, monospace; font-size: .9rem; box-sizing: border-box; }
  textarea { height: 12rem; }
  #variables { height: 5rem; }
  button { margin-top: .8rem; padding: .4rem 1.2rem; font-size: 1rem; }
  pre { background: #f4f4f4; padding: 1rem; overflow: auto; max-height: 30rem; }
</style>
</head>
<body>
<h1>Hub GraphQL 查询 · Query page</h1>
<p>Token from <code>npm run hub -- user create --role …</code>; it stays in this page only.</p>
<label for="token">Token</label>
<input id="token" type="password" autocomplete="off">
<label for="example">Example</label>
<select id="example">
  <option value="me">me</option>
  <option value="form">form: Shanghai 2024, Shanghai, July–August</option>
  <option value="clues">clues: overdue</option>
  <option value="worklist">procurator worklist</option>
</select>
<label for="query">Query</label>
<textarea id="query" spellcheck="false"></textarea>
<label for="variables">Variables (JSON)</label>
<textarea id="variables" spellcheck="false">{}</textarea>
<button id="run" type="button">Run 执行</button>
<pre id="result" aria-live="polite"></pre>
<script>
  const examples = {
    me: '{ me { name role agency units } }',
    form: '{ form(formId: "shanghai-2024", unit: "310000", period: "2024-08") { titleZh periodLabelZh rows { labelZh cells { figureId display } } } }',
    clues: '{ clues(filter: { due: "overdue" }, first: 20) { edges { node { clueId stage steps { labelZh status dueBy party } } } pageInfo { hasNextPage endCursor } } }',
    worklist: '{ procuratorWorklist { reasons case { caseId stage earlyIntervention } } }',
  };
  const query = document.getElementById('query');
  const pick = () => { query.value = examples[document.getElementById('example').value]; };
  document.getElementById('example').addEventListener('change', pick);
  pick();
  document.getElementById('run').addEventListener('click', async () => {
    const out = document.getElementById('result');
    out.textContent = '…';
    let variables = {};
    try { variables = JSON.parse(document.getElementById('variables').value || '{}'); }
    catch (e) { out.textContent = 'Variables are not valid JSON: ' + e.message; return; }
    try {
      const res = await fetch('/graphql', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + document.getElementById('token').value.trim() },
        body: JSON.stringify({ query: query.value, variables }),
      });
      out.textContent = 'HTTP ' + res.status + '\\n' + JSON.stringify(await res.json(), null, 2);
    } catch (e) { out.textContent = 'Request failed: ' + e.message; }
  });
</script>
</body>
</html>
`;
