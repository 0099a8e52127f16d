export function App() {
  return <main id="main">Varde</main>;
}
