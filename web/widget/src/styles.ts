/** The widget's own stylesheet, inside its shadow root: the site's CSS cannot reach in, and ours cannot leak out. */
export const styles = (color: string) => `
:host { all: initial; }
* { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.bubble { position: fixed; right: 20px; bottom: 20px; width: 56px; height: 56px; border-radius: 50%; border: 0; cursor: pointer;
  background: ${color}; color: #fff; box-shadow: 0 4px 14px rgba(0,0,0,.25); display: flex; align-items: center; justify-content: center; z-index: 2147483000; }
.bubble svg { width: 26px; height: 26px; fill: currentColor; }
.badge { position: absolute; top: -4px; right: -4px; min-width: 20px; height: 20px; padding: 0 6px; border-radius: 10px; background: #dc2626;
  color: #fff; font-size: 12px; font-weight: 600; line-height: 20px; text-align: center; }
.badge[hidden], [hidden] { display: none !important; }
.panel { position: fixed; right: 20px; bottom: 88px; width: 360px; max-width: calc(100vw - 40px); height: 520px; max-height: calc(100vh - 110px);
  background: #fff; color: #111827; border-radius: 14px; box-shadow: 0 10px 40px rgba(0,0,0,.25); display: flex; flex-direction: column; overflow: hidden; z-index: 2147483000; }
.head { background: ${color}; color: #fff; padding: 14px 16px; display: flex; align-items: center; gap: 8px; }
.head .titles { flex: 1; min-width: 0; }
.head .title { font-size: 16px; font-weight: 600; }
.head .status { font-size: 12px; opacity: .9; margin-top: 2px; }
.head .status::before { content: ""; display: inline-block; width: 8px; height: 8px; border-radius: 50%; background: #9ca3af; margin-right: 6px; }
.head .status.online::before { background: #4ade80; }
.close { background: transparent; border: 0; color: #fff; font-size: 22px; cursor: pointer; line-height: 1; padding: 4px; }
.log { flex: 1; overflow-y: auto; padding: 14px; background: #f9fafb; display: flex; flex-direction: column; gap: 8px; font-size: 14px; }
.msg { max-width: 80%; padding: 8px 12px; border-radius: 14px; white-space: pre-wrap; word-wrap: break-word; line-height: 1.4; }
.msg.out { align-self: flex-start; background: #e5e7eb; border-bottom-left-radius: 4px; }
.msg.in { align-self: flex-end; background: ${color}; color: #fff; border-bottom-right-radius: 4px; }
.msg.pending { opacity: .6; }
.msg.failed { outline: 1px solid #dc2626; }
.msg a { color: inherit; }
.msg:has(img) { padding: 4px; }
.msg img { display: block; max-width: 100%; max-height: 180px; border-radius: 8px; margin-top: 4px; }
.note { align-self: center; text-align: center; color: #6b7280; font-size: 13px; padding: 4px 8px; }
.typing { font-size: 12px; color: #6b7280; padding: 0 16px 6px; background: #f9fafb; }
.offline { padding: 10px 14px; background: #fef3c7; color: #78350f; font-size: 13px; display: flex; flex-direction: column; gap: 6px; }
form.row { display: flex; gap: 6px; }
form.row input { flex: 1; min-width: 0; }
input, textarea { font-size: 14px; border: 1px solid #d1d5db; border-radius: 8px; padding: 8px 10px; color: #111827; background: #fff; }
input:focus, textarea:focus { outline: 2px solid ${color}; outline-offset: -1px; }
button.primary { background: ${color}; color: #fff; border: 0; border-radius: 8px; padding: 8px 14px; font-size: 14px; cursor: pointer; }
.prechat { padding: 16px; display: flex; flex-direction: column; gap: 8px; border-top: 1px solid #e5e7eb; }
.prechat p { margin: 0; font-size: 14px; }
.composer { display: flex; align-items: flex-end; gap: 6px; padding: 10px; border-top: 1px solid #e5e7eb; }
.composer textarea { flex: 1; resize: none; height: 40px; max-height: 120px; }
.attach { background: transparent; border: 0; cursor: pointer; padding: 8px 2px; color: #6b7280; display: flex; }
.attach svg { width: 22px; height: 22px; }
.attach:hover { color: #111827; }
.file { display: inline-block; margin-top: 4px; padding: 4px 8px; border-radius: 6px; background: rgba(0,0,0,.08); text-decoration: underline; }
/* Phones: the open chat takes the whole screen, and the bubble steps aside (the header's × closes it). */
@media (max-width: 480px) {
  .panel { right: 0; bottom: 0; width: 100vw; max-width: 100vw; height: 100%; max-height: 100%; border-radius: 0; }
  .panel:not([hidden]) ~ .bubble { display: none; }
}
.error { color: #dc2626; font-size: 12px; padding: 0 12px 6px; }
`;
