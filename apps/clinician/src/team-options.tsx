/** The care teams of the signed-in clinician as `<option>`s. */
export function TeamOptions({ teams }: { teams: readonly string[] }) {
  return (
    <>
      {teams.map((team) => (
        <option key={team} value={team}>
          {team}
        </option>
      ))}
    </>
  );
}
