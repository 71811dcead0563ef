import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import { t } from '../i18n/index.ts';
import { operators, reloadOperators, reloadTeams, teams } from '../state/directory.ts';
import { LoadState, useLoad } from './load-state.tsx';
import type { Role } from '../types.ts';
import { useBusy } from './settings-page.tsx';

const ROLES: Role[] = ['admin', 'operator', 'marketer'];

export function OperatorSettings() {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('operator');
  const { error, busy, run } = useBusy();
  const loaded = useLoad(reloadOperators);
  return (
    <>
      <header class="page-head"><h2>{t('settings.operators')}</h2></header>
      <LoadState state={loaded} empty={operators.value.length === 0} />
      <table class="table">
        <thead><tr><th scope="col">{t('settings.name')}</th><th scope="col">{t('settings.email')}</th><th scope="col">{t('settings.role')}</th><th scope="col">{t('settings.active')}</th></tr></thead>
        <tbody>
          {operators.value.map((o) => (
            <tr key={o.id}>
              <td>{o.name}</td>
              <td>{o.email}</td>
              <td>
                <select aria-label={`${t('settings.role')}: ${o.name}`} value={o.role} onChange={(e) => void run(async () => { await api('PATCH', `/operators/${o.id}`, { role: e.currentTarget.value }); await reloadOperators(); })}>
                  {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
                </select>
              </td>
              <td>
                <button type="button" onClick={() => void run(async () => { await api('PATCH', `/operators/${o.id}`, { active: !o.active }); await reloadOperators(); })}>{o.active ? t('settings.deactivate') : t('settings.activate')}</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form class="card form" aria-label={t('settings.newOperator')} onSubmit={(e) => { e.preventDefault(); void run(async () => { await api('POST', '/operators', { email, name, password, role }); setEmail(''); setName(''); setPassword(''); await reloadOperators(); }); }}>
        <h3>{t('settings.newOperator')}</h3>
        <label>{t('settings.name')} <input required value={name} onInput={(e) => setName(e.currentTarget.value)} /></label>
        <label>{t('settings.email')} <input type="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} /></label>
        <label>{t('settings.password')} <input type="password" required minLength={10} autocomplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} /></label>
        <label>{t('settings.role')} <select value={role} onChange={(e) => setRole(e.currentTarget.value as Role)}>{ROLES.map((r) => <option key={r} value={r}>{r}</option>)}</select></label>
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy}>{t('common.create')}</button>
      </form>
    </>
  );
}

export function TeamSettings() {
  const [name, setName] = useState('');
  const { error, busy, run } = useBusy();
  const loaded = useLoad(reloadTeams);
  const toggle = (teamId: number, memberIds: number[], operatorId: number) => {
    const next = memberIds.includes(operatorId) ? memberIds.filter((m) => m !== operatorId) : [...memberIds, operatorId];
    // Shown at once; the server's answer (or the reload after an error) has the last word.
    teams.value = teams.value.map((team) => (team.id === teamId ? { ...team, memberIds: next } : team));
    return run(async () => {
      try {
        await api('PATCH', `/teams/${teamId}`, { memberIds: next });
      } finally {
        await reloadTeams();
      }
    });
  };
  return (
    <>
      <header class="page-head"><h2>{t('settings.teams')}</h2></header>
      <LoadState state={loaded} empty={teams.value.length === 0} />
      <ul class="plain cards">
        {teams.value.map((team) => (
          <li key={team.id} class="card">
            <div class="row-top"><strong>{team.name}</strong><span class="grow" /><button type="button" class="danger" onClick={() => void run(async () => { await api('DELETE', `/teams/${team.id}`); await reloadTeams(); })}>{t('common.delete')}</button></div>
            <fieldset class="checks"><legend>{t('settings.members')}</legend>
              {operators.value.filter((o) => o.role !== 'marketer').map((o) => (
                <label key={o.id} class="check"><input type="checkbox" checked={team.memberIds.includes(o.id)} onChange={() => void toggle(team.id, team.memberIds, o.id)} /> {o.name}</label>
              ))}
            </fieldset>
          </li>
        ))}
      </ul>
      <form class="inline card" aria-label={t('settings.newTeam')} onSubmit={(e) => { e.preventDefault(); void run(async () => { await api('POST', '/teams', { name }); setName(''); await reloadTeams(); }); }}>
        <label>{t('settings.newTeam')} <input required value={name} onInput={(e) => setName(e.currentTarget.value)} /></label>
        <button type="submit" class="primary" disabled={busy}>{t('common.create')}</button>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
    </>
  );
}
