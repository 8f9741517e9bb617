import { parseAddonValuesInput } from './addonValuesInput';

describe('parseAddonValuesInput', () => {
  it('reads the form text (YAML or JSON) and the object input alike; empty is no change', () => {
    const yamlText = 'harbor:\n  expose:\n    type: clusterIP\nloki: {}\n';
    const want = { harbor: { expose: { type: 'clusterIP' } }, loki: {} };
    expect(parseAddonValuesInput(yamlText)).toEqual({ ok: true, value: want });
    expect(parseAddonValuesInput(JSON.stringify(want))).toEqual({
      ok: true,
      value: want,
    });
    expect(parseAddonValuesInput(want)).toEqual({ ok: true, value: want });
    for (const empty of [undefined, null, '', '  \n']) {
      expect(parseAddonValuesInput(empty)).toEqual({
        ok: true,
        value: undefined,
      });
    }
  });

  it('refuses text that is not YAML, a list, values that are not a mapping and a malformed id, naming addonValues', () => {
    const message = (input: unknown) => {
      const r = parseAddonValuesInput(input);
      if (r.ok) throw new Error(`accepted ${JSON.stringify(input)}`);
      expect(r.errors.map(e => e.path)).toEqual(['addonValues']);
      return r.errors[0].message;
    };
    expect(message('harbor: [unclosed')).toMatch(/^not valid YAML/);
    expect(message('- harbor\n- loki\n')).toMatch(
      /must be a mapping of add-on id to its new values/,
    );
    expect(message('harbor: 3\n')).toMatch(
      /values of an add-on must be a mapping .* at "harbor"/,
    );
    expect(message({ Harbor_X: {} })).toMatch(/an add-on id at "Harbor_X"/);
  });
});
