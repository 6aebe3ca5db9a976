import { defineTool } from '../generated/registry.js';
import { SILENT_WAV } from '../fixtures/media.js';

export default defineTool('test_audio_content', () => ({ content: [{ type: 'audio', data: SILENT_WAV, mimeType: 'audio/wav' }] }));
