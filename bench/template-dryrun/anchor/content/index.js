// ${{ values.name }}: started from the benchmark's example template
console.log('${{ values.name }} is running');
